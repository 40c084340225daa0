package org.mfgcal.publisher;

/**
 * Where an HTTP server of the service listens.
 *
 * <p>Contract: immutable, validated on construction: {@code host} is a non-blank host name or address literal
 * ({@code 127.0.0.1} unless the operator asks otherwise: binding {@code 0.0.0.0} exposes the server to the
 * network); {@code port} is in 0..65535, where 0 asks the system for a free port (tests). Thread-safe.
 *
 * @param host address to bind
 * @param port TCP port to bind
 */
public record HttpEndpoint(String host, int port) {

    /** Loopback: the default bind address of every server of the service. */
    public static final String LOOPBACK = "127.0.0.1";

    public HttpEndpoint {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("http host must be a non-blank host name or address, got "
                    + (host == null ? "null" : "'" + host + "'"));
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("http port must be in 0..65535, got " + port + " (host " + host + ")");
        }
    }

    /** The endpoint on loopback at {@code port}. */
    public static HttpEndpoint loopback(int port) {
        return new HttpEndpoint(LOOPBACK, port);
    }
}
