using ActorLog.Hosting;
using System.Net;
using System.Net.Sockets;
using ActorLog.IntegrationTests.Infrastructure;
using Xunit;

namespace ActorLog.IntegrationTests;

/// <summary>Mistakes a user makes starting a broker or pointing the CLI at nothing: a clear error and a non-zero exit.</summary>
[Collection(ProcessCollection.Name)]
public sealed class BadInputTests
{
    private static string TempDir() => Directory.CreateTempSubdirectory("actorlog-bad-").FullName;

    [Fact]
    public async Task Unreachable_bootstrap_fails_within_seconds_naming_the_address()
    {
        var port = LoopbackPorts.Free(1)[0];
        var result = await ActorLogCli.RunAsync(null, "--bootstrap", $"127.0.0.1:{port}", "topics", "list");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"127.0.0.1:{port}", result.StdErr);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(15), result.ToString());
    }

    [Fact]
    public async Task Without_bootstrap_commands_connect_where_ACTORLOG_BOOTSTRAP_says()
    {
        var port = LoopbackPorts.Free(1)[0];
        var result = await ActorLogCli.RunAsync(null, TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["ACTORLOG_BOOTSTRAP"] = $"127.0.0.1:{port}" }, "topics", "list");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"127.0.0.1:{port}", result.StdErr);
        Assert.DoesNotContain("127.0.0.1:4051", result.StdErr);
    }

    [Fact]
    public async Task Port_in_use_is_reported()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var result = await ActorLogCli.RunAsync(null, TimeSpan.FromSeconds(60), "node", "--broker-id", "1", "--port", port.ToString(),
                "--data-dir", TempDir());
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("in use", result.StdErr + result.StdOut);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Malformed_config_file_is_reported()
    {
        var dir = TempDir();
        var file = Path.Combine(dir, "broker.conf");
        await File.WriteAllTextAsync(file, "actorlog { port = [ unclosed ");
        var result = await ActorLogCli.RunAsync(null, TimeSpan.FromSeconds(60), "node", "--broker-id", "1", "--port", LoopbackPorts.Free(1)[0].ToString(),
            "--data-dir", dir, "--config", file);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("broker.conf", result.StdErr);
    }

    [Fact]
    public async Task Data_dir_that_is_not_writable_is_reported()
    {
        var file = Path.Combine(TempDir(), "a-file");
        await File.WriteAllTextAsync(file, "not a directory");
        var result = await ActorLogCli.RunAsync(null, TimeSpan.FromSeconds(60), "node", "--broker-id", "1", "--port", LoopbackPorts.Free(1)[0].ToString(),
            "--data-dir", Path.Combine(file, "data"));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("not writable", result.StdErr);
    }
}
