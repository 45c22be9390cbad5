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
        Receive<LogEvent>(e => Console.Error.WriteLine($"[{e.LogLevel().ToString().Replace("Level", "").ToUpperInvariant()}] {e.LogSource}: {e.Message}"));
    }
}
