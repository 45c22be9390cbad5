using System.Text.Json;
using System.Text.RegularExpressions;
using ActorLog.IntegrationTests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.IntegrationTests;

/// <summary>
/// `actorlog chaos` end to end: real broker processes SIGKILLed and restarted under acks=all load (at least one
/// kill of the controller's broker), then every partition read back and checked. Takes about two minutes.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed partial class ChaosTests(ITestOutputHelper output)
{
    private const int MinKills = 5;

    [Fact]
    public async Task Killing_leaders_and_the_controller_loses_duplicates_and_reorders_no_acknowledged_write()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "actorlog-it", $"chaos-{Guid.NewGuid():N}");
        var passed = false;
        try
        {
            var result = await ActorLogCli.RunAsync(null, TimeSpan.FromMinutes(10), "chaos", "--duration", "70", "--kill-interval", "8",
                "--down-time", "2", "--min-kills", MinKills.ToString(), "--data-dir", dataDir, "--output", "json");
            // In JSON mode the progress log is on stderr and the report alone on stdout.
            output.WriteLine($"actorlog chaos: exit {result.ExitCode} after {result.Elapsed.TotalSeconds:0} s\n--- progress:\n{result.StdErr}");
            Assert.False(string.IsNullOrWhiteSpace(result.StdOut), "no report on stdout");
            var report = JsonDocument.Parse(result.StdOut).RootElement;
            output.WriteLine("--- report:\n" + JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            if (result.ExitCode != 0) WriteBrokerLogs(dataDir);

            var check = report.GetProperty("check");
            Assert.Equal(0, check.GetProperty("ackedMissing").GetInt64());
            Assert.Equal(0, check.GetProperty("duplicated").GetInt64());
            Assert.Equal(0, check.GetProperty("outOfOrder").GetInt64());
            Assert.Equal(0, check.GetProperty("offsetGaps").GetInt64());
            Assert.Equal(0, check.GetProperty("foreign").GetInt64());
            Assert.Equal(0, check.GetProperty("ackedAtOtherOffset").GetInt64());
            Assert.True(check.GetProperty("acked").GetInt64() > 0, "nothing was acknowledged");
            var kills = report.GetProperty("kills").EnumerateArray().ToList();
            Assert.True(kills.Count >= MinKills, $"{kills.Count} kills, expected at least {MinKills}");
            Assert.Contains(kills, k => k.GetProperty("controller").GetBoolean());
            Assert.True(result.ExitCode == 0, "actorlog chaos failed: " + string.Join("; ", report.GetProperty("problems").EnumerateArray().Select(p => p.GetString())));
            passed = true;
        }
        finally
        {
            // A failed run keeps its broker logs for a closer look.
            if (passed) try { Directory.Delete(dataDir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            else output.WriteLine($"broker logs kept in {dataDir}");
        }
    }

    /// <summary>What matters in the brokers' logs when a run fails: restarts, warnings, errors, controller decisions, the topic's replicas.</summary>
    private void WriteBrokerLogs(string dataDir)
    {
        if (!Directory.Exists(dataDir)) return;
        foreach (var log in Directory.GetFiles(dataDir, "broker.log", SearchOption.AllDirectories).Order())
        {
            var lines = File.ReadAllLines(log).Where(l => Relevant().IsMatch(l) && !Noise().IsMatch(l)).TakeLast(150)
                .Select(l => l.Length > 400 ? l[..400] + "..." : l);
            output.WriteLine($"--- {log} (relevant lines):\n{string.Join("\n", lines)}");
        }
    }

    [GeneratedRegex(@"=====|\[WARNING\]|\[ERROR\]|Controller:|chaos/")]
    private static partial Regex Relevant();

    // Clients connecting and going away, and a busy machine's heartbeat delays, say nothing about this run's outcome.
    [GeneratedRegex(@"actorlog-client@|heartbeat|Disassociated|ClusterSingletonProxy failed to find")]
    private static partial Regex Noise();
}
