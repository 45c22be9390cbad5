using ActorLog.Hosting;
using System.Text.Json;
using Xunit.Abstractions;

namespace ActorLog.IntegrationTests.Infrastructure;

/// <summary>
/// Three (or more) real broker processes on free loopback ports, each with its own data dir; <paramref name="brokerArgs"/>
/// adds arguments to a broker's `actorlog node` command line (e.g. `--config FILE` for another log store).
/// </summary>
public sealed class ProcessCluster(int brokers, ITestOutputHelper output, Func<int, IEnumerable<string>>? brokerArgs = null) : IAsyncDisposable
{
    private readonly ITestOutputHelper _output = output;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "actorlog-it", Guid.NewGuid().ToString("N"));
    private readonly int[] _ports = LoopbackPorts.Free(brokers);

    public NodeProcess?[] Nodes { get; } = new NodeProcess?[brokers];

    public string Seeds => string.Join(",", _ports.Select(p => $"127.0.0.1:{p}"));

    public string Bootstrap => Seeds;

    public string DataDir(int brokerId) => Path.Combine(_root, $"broker-{brokerId}");

    public void Start(int brokerId) =>
        Nodes[brokerId - 1] = NodeProcess.Start(brokerId, _ports[brokerId - 1], Seeds, DataDir(brokerId),
            brokerArgs?.Invoke(brokerId).ToArray() ?? []);

    /// <summary>A file beside the data dirs (a broker config file), deleted with them.</summary>
    public string WriteFile(string name, string text)
    {
        Directory.CreateDirectory(_root);
        var path = Path.Combine(_root, name);
        File.WriteAllText(path, text);
        return path;
    }

    public async Task StartAllAsync()
    {
        for (var id = 1; id <= Nodes.Length; id++) Start(id);
        await WaitForBrokersUpAsync(Nodes.Length, TimeSpan.FromSeconds(90));
    }

    public Task<ActorLogCli.Result> RunAsync(string? stdin, params string[] args) => RunViaAsync(Bootstrap, stdin, args);

    public Task<JsonElement> JsonAsync(params string[] args) => JsonViaAsync(Bootstrap, args);

    private static Task<ActorLogCli.Result> RunViaAsync(string bootstrap, string? stdin, string[] args) =>
        ActorLogCli.RunAsync(stdin, new[] { "--bootstrap", bootstrap }.Concat(args).ToArray());

    /// <summary>An `actorlog ... --output json` command through <paramref name="bootstrap"/>; throws if it fails.</summary>
    private static async Task<JsonElement> JsonViaAsync(string bootstrap, string[] args)
    {
        var result = await RunViaAsync(bootstrap, null, args.Concat(new[] { "--output", "json" }).ToArray());
        if (result.ExitCode != 0) throw new InvalidOperationException($"actorlog {string.Join(" ", args)} via {bootstrap} failed: {result}");
        using var document = JsonDocument.Parse(result.StdOut);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// Waits until every running broker sees <paramref name="count"/> brokers up and a controller: asking through
    /// one bootstrap list would read whichever broker answers first, and another could still be catching up.
    /// </summary>
    public async Task WaitForBrokersUpAsync(int count, TimeSpan timeout)
    {
        await Eventually.Async(async () =>
        {
            foreach (var node in Nodes.Where(n => n is { HasExited: false }))
            {
                var status = await JsonViaAsync($"127.0.0.1:{node!.Port}", ["cluster", "status"]);
                var up = status.GetProperty("brokers").EnumerateArray().Count(b => b.GetProperty("status").GetString() == "up");
                if (up != count || status.GetProperty("controller").GetInt32() < 0)
                    throw new InvalidOperationException($"broker {node.BrokerId} sees {up} of {count} brokers up");
            }
        }, timeout);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes.Where(n => n is not null))
        {
            if (node!.HasExited) _output.WriteLine($"--- broker {node.BrokerId} (exited) output tail:\n{Tail(node.Output)}");
            node.Kill();
            node.Dispose();
        }
        try { Directory.Delete(_root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        await Task.CompletedTask;
    }

    public static string Tail(string text, int lines = 40) => string.Join("\n", text.Split('\n').TakeLast(lines));
}
