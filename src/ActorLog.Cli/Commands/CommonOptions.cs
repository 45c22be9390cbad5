using System.CommandLine;
using ActorLog.Client;
using ActorLog.Common;

namespace ActorLog.Cli.Commands;

/// <summary>Options every client command takes, and the error handling they share.</summary>
internal static class CommonOptions
{
    public static readonly Option<string> Bootstrap = new("--bootstrap")
    {
        Description = "Brokers to connect to, HOST:PORT[,HOST:PORT] (default: $ACTORLOG_BOOTSTRAP, else 127.0.0.1:4051)",
        DefaultValueFactory = _ => DefaultBootstrap(Environment.GetEnvironmentVariable(BootstrapVariable)),
        Recursive = true,
    };

    /// <summary>
    /// Where commands connect without --bootstrap. One broker by default, so naming them all once (as `dev` prints
    /// them) keeps every later command working while that broker is down.
    /// </summary>
    public const string BootstrapVariable = "ACTORLOG_BOOTSTRAP";

    public static string DefaultBootstrap(string? fromEnvironment) =>
        string.IsNullOrWhiteSpace(fromEnvironment) ? "127.0.0.1:4051" : fromEnvironment.Trim();

    public static readonly Option<string> Output = new("--output", "-o")
    {
        Description = "Output format: table or json",
        DefaultValueFactory = _ => "table",
        Recursive = true,
    };

    static CommonOptions() => Output.AcceptOnlyFromAmong("table", "json");

    public static bool Json(ParseResult r) => r.GetValue(Output) == "json";

    /// <summary>Connects, runs the command, and turns every failure into a message on stderr and exit code 1.</summary>
    public static async Task<int> WithClient(ParseResult r, CancellationToken ct, Func<ActorLogClient, Task<int>> run)
    {
        try
        {
            await using var client = await ActorLogClient.ConnectAsync(r.GetValue(Bootstrap)!, ct: ct);
            return await run(client);
        }
        catch (ActorLogException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Code}: {e.Message}");
            return 1;
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }

    public static ErrorInfo Invalid(string message) => new(ErrorCode.InvalidConfig, message);
}
