package org.mfgcal.app;

import org.mfgcal.api.Provenance;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code mfgcal} command line: one subcommand per job.
 *
 * <p>Exit codes (README, "Exit codes"): 0 success and the output is complete, 1 a run failed (message on stderr),
 * 2 bad usage or bad input (message naming file, line, field and value; nothing written), 3
 * ({@link #EXIT_INCOMPLETE}) the output was written but is incomplete: input rows were rejected (counted by reason
 * in the summary) or a region's window never filled.
 */
@Command(name = "mfgcal", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Real-time calibration of finite-state mean field games from mobility data.",
        subcommands = {CommandLine.HelpCommand.class, SolveCommand.class, ReplayCommand.class, OnlineCommand.class,
                CalibrateCommand.class, WhatIfCommand.class, DemoCommand.class, ServeCommand.class,
                EquilibriumCommand.class})
public final class Main implements Runnable {

    /** Exit code: output written, but rows were rejected or a region's window never filled. */
    public static final int EXIT_INCOMPLETE = 3;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and tests. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("mfgcal " + cmd.getCommandName() + ": "
                    + org.mfgcal.ingest.Texts.clip(String.valueOf(ex.getMessage()), 2000));
            return ex instanceof IllegalArgumentException ? 2 : 1;
        });
        return cl;
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /** The code version of the build (its git commit), {@link Provenance#runningCodeVersion()}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {Provenance.runningCodeVersion()};
        }
    }
}
