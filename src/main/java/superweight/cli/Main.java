package superweight.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import superweight.SuperweightException;
import superweight.engine.NumericsCheck;

import java.io.PrintWriter;

/** Entry point: one subcommand per job; user errors print one line and exit non-zero. */
@Command(name = "superweight", mixinStandardHelpOptions = true, version = "superweight 0.1.0",
        description = "Find, test and protect the super weights of large language models.",
        subcommands = {
                CommandLine.HelpCommand.class,
                InfoCommand.class,
                ScoreCommand.class,
                GenerateCommand.class,
                SynthCommand.class,
                ConvertCommand.class,
                BenchCommand.class,
                DetectCommand.class,
                CatalogCommand.class,
                CharacterizeCommand.class,
                AblateCommand.class,
                ScaleSweepCommand.class,
                TokenShiftCommand.class,
                CaseStudyCommand.class,
                TokenizeCommand.class,
                EmbedCommand.class,
                EmbedAblateCommand.class,
                PplCommand.class,
                EvalCommand.class,
                QuantizeCommand.class,
                QuantSweepCommand.class,
                QuantTableCommand.class,
                ReportCommand.class,
        })
public final class Main implements Runnable {
    /** Exit codes besides 0 (documented in RELIABILITY.md): bad input, bad command line, internal error, out of memory. */
    static final int BAD_INPUT = 1, USAGE = 2, INTERNAL_ERROR = 3, OUT_OF_MEMORY = 4;

    private static boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** A real option, inherited by every subcommand: it is parsed where it stands, never stripped from other values. */
    @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print the stack trace of an error.")
    void setDebug(boolean value) {
        debug = value;
    }

    @CommandLine.Option(names = "--check-numerics", scope = CommandLine.ScopeType.INHERIT,
            description = "Check every layer's outputs for NaN/Inf and name the first layer and operation (the logits are always checked).")
    void setCheckNumerics(boolean value) {
        NumericsCheck.perLayer(value);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit code (tests call this instead of main). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        debug = false;
        NumericsCheck.perLayer(false);
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> fail(ex, err));
        cl.setParameterExceptionHandler((ex, args1) -> {
            err.println("error: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            err.flush();
            return USAGE;
        });
        try {
            return cl.execute(args);
        } catch (Error e) {   // out of memory, stack overflow, a class that cannot initialize: one line, not a trace
            return fail(e, err);
        }
    }

    /** Prints the one-line error (and the stack trace with --debug) and returns the exit code for it. */
    static int fail(Throwable ex, PrintWriter err) {
        if (debug) ex.printStackTrace(err);
        if (ex instanceof OutOfMemoryError) {
            err.println("error: out of memory (" + ex.getMessage() + "); give the JVM more heap with SUPERWEIGHT_JAVA_OPTS=-Xmx<size>,"
                    + " or use a smaller model, context or --limit");
            err.flush();
            return OUT_OF_MEMORY;
        }
        err.println("error: " + oneLine(ex));
        err.flush();
        return ex instanceof SuperweightException ? BAD_INPUT : INTERNAL_ERROR;
    }

    private static String oneLine(Throwable ex) {
        String msg = ex.getMessage();
        if (!(ex instanceof SuperweightException)) {
            msg = ex.getClass().getSimpleName() + (msg == null ? "" : ": " + msg) + " (an internal error; run with --debug for details)";
        }
        return SuperweightException.printable(msg == null ? ex.toString() : msg);
    }
}
