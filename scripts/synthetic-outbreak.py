#!/usr/bin/env python3
# A noise-free SIR outbreak for the outbreak-fit table of calibrator/CALIBRATION.md (known truth, independent RK4).
# Usage: scripts/synthetic-outbreak.py > runs/synthetic-sir.csv
# noise-free SIR outbreak by classical RK4 (1000 steps/day): beta 2, gamma_rec 1 per day, I0 = 1e-3, population 1000
import sys
b, g, i0, pop, days, per = 2.0, 1.0, 1e-3, 1000.0, 40, 1000
S, I, h = 1 - i0, i0, 1.0 / per
f = lambda s, i: (-b * s * i, b * s * i - g * i)
print("day,incidence")
for d in range(days):
    s0 = S
    for _ in range(per):
        k1 = f(S, I); k2 = f(S + h/2*k1[0], I + h/2*k1[1]); k3 = f(S + h/2*k2[0], I + h/2*k2[1]); k4 = f(S + h*k3[0], I + h*k3[1])
        S += h/6*(k1[0] + 2*k2[0] + 2*k3[0] + k4[0]); I += h/6*(k1[1] + 2*k2[1] + 2*k3[1] + k4[1])
    print("%d,%.12g" % (d, pop * (s0 - S)))
