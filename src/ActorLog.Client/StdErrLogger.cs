using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace ActorLog.Client;

/// <summary>
/// Akka log events to standard error: a client's standard output belongs to its program (the CLI prints
/// records and JSON there), so Akka's own warnings must never land in it.
/// </summary>
public sealed class StdErrLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    public StdErrLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e =>
        {
            // Akka.Remote reports a broker's connection dropping (its process died or stopped) as an ERROR of its
            // endpoint writer, "Disassociated". The client handles that itself (it resends what was in flight there and
            // answers the caller with a typed error if it cannot), so the line only alarmed users of the CLI.
            if (!ActorLog.Hosting.RemotingLogEvents.IsDisassociation(e))
                Console.Error.WriteLine($"[{e.LogLevel().ToString().Replace("Level", "").ToUpperInvariant()}] {e.LogSource}: {e.Message}");
        });
    }
}
