using System.CommandLine;
using System.Diagnostics;
using ActorLog.Client;
using ActorLog.Common;
using HdrHistogram;

namespace ActorLog.Cli.Commands;

/// <summary>
/// actorlog bench produce: sends N records of B bytes with up to --in-flight outstanding and reports
/// records/s, MB/s and latency percentiles (send → acknowledgement, HdrHistogram), with a progress line.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks against a running cluster");
        var topic = new Option<string>("--topic") { Description = "Topic (created if missing)", DefaultValueFactory = _ => "bench" };
        var records = new Option<long>("--records") { Description = "Records to send", DefaultValueFactory = _ => 1_000_000 };
        var size = new Option<int>("--record-size") { Description = "Value size in bytes", DefaultValueFactory = _ => 100 };
        var acks = ProduceCommand.AcksOption();
        var inFlight = new Option<int>("--in-flight") { Description = "Records outstanding at once (1 = one at a time)", DefaultValueFactory = _ => 1000 };
        var partitions = new Option<int>("--partitions") { Description = "Partitions when the topic is created", DefaultValueFactory = _ => 3 };
        var rf = new Option<int>("--replication-factor") { Description = "Replication factor when the topic is created", DefaultValueFactory = _ => 3 };
        var minIsr = new Option<int>("--min-insync-replicas") { Description = "min.insync.replicas when the topic is created", DefaultValueFactory = _ => 0 };
        var warmup = new Option<long>("--warmup-records")
        {
            Description = "Records sent first and left out of the figures (lets the client's JIT settle, as Kafka's producer-perf-test does)",
            DefaultValueFactory = _ => 0,
        };
        var produce = new Command("produce", "Produce throughput and latency") { topic, records, size, acks, inFlight, partitions, rf, minIsr, warmup };
        produce.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            var name = r.GetValue(topic)!;
            if (!(await client.ListTopicsAsync(ct)).Any(t => t.Name == name))
                await client.CreateTopicAsync(name, r.GetValue(partitions), r.GetValue(rf), r.GetValue(minIsr), 0, ct);
            var ackSetting = ProduceCommand.ParseAcks(r.GetValue(acks)!);
            var window = Math.Max(1, r.GetValue(inFlight));
            if (r.GetValue(warmup) is > 0 and var w)
            {
                await Console.Error.WriteLineAsync($"warming up with {w:N0} records");
                await RunProduce(client, name, w, r.GetValue(size), ackSetting, window, ct);
            }
            var result = await RunProduce(client, name, r.GetValue(records), r.GetValue(size), ackSetting, window, ct);
            if (CommonOptions.Json(r)) Output.Json(result);
            else Console.Out.WriteLine(
                $"{result.Records} records in {result.Seconds:0.00} s: {result.RecordsPerSecond:N0} records/s, {result.MegabytesPerSecond:0.0} MB/s; " +
                $"latency p50 {result.P50Ms:0.000} ms, p99 {result.P99Ms:0.000} ms, p99.9 {result.P999Ms:0.000} ms, max {result.MaxMs:0.000} ms" +
                (result.Failed > 0 ? $"; {result.Failed} FAILED" : ""));
            return result.Failed > 0 ? 1 : 0;
        }));
        bench.Subcommands.Add(produce);
        bench.Subcommands.Add(BenchConsumeCommand.Create());
        bench.Subcommands.Add(BenchRoundTripCommand.Create());
        bench.Subcommands.Add(BenchRebalanceCommand.Create());
        return bench;
    }

    public sealed record ProduceBenchResult(string Topic, long Records, int RecordSize, string Acks, int InFlight, double Seconds,
        double RecordsPerSecond, double MegabytesPerSecond, double P50Ms, double P99Ms, double P999Ms, double MaxMs, long Failed);

    private static async Task<ProduceBenchResult> RunProduce(ActorLogClient client, string topic, long count, int size, Acks acks,
        int inFlight, CancellationToken ct)
    {
        var value = new byte[size];
        Random.Shared.NextBytes(value);
        var histogram = new LongHistogram(TimeSpan.FromMinutes(10).Ticks, 3);
        var window = new InFlightWindow(inFlight);
        long acked = 0, failed = 0;
        ActorLogException? firstError = null;
        var clock = Stopwatch.StartNew();
        using var progress = new Timer(_ => Console.Error.WriteLine(
            $"  {Interlocked.Read(ref acked):N0} / {count:N0} acknowledged, {Interlocked.Read(ref acked) / Math.Max(0.001, clock.Elapsed.TotalSeconds):N0} records/s"),
            null, 1000, 1000);
        for (long i = 0; i < count && !ct.IsCancellationRequested; i++)
        {
            await window.EnterAsync();
            var started = Stopwatch.GetTimestamp();
            // The callback API: its handler runs on the client's thread, so no task or thread hand-off per record
            // is measured along with the cluster.
            client.Produce(topic, BitConverter.GetBytes(i), value, report =>
            {
                if (report.Succeeded)
                {
                    lock (histogram) histogram.RecordValue(Stopwatch.GetElapsedTime(started).Ticks);
                    Interlocked.Increment(ref acked);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                    firstError ??= report.Error;
                }
                window.Leave();
            }, null, acks);
        }
        await window.DrainAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        if (firstError is not null) await Console.Error.WriteLineAsync($"first failure: {firstError.Code}: {firstError.Message}");
        double Ms(long ticks) => ticks / (double)TimeSpan.TicksPerMillisecond;
        return new ProduceBenchResult(topic, count, size, acks.ToString(), inFlight, seconds, acked / seconds,
            acked * (double)size / seconds / 1_000_000, Ms(histogram.GetValueAtPercentile(50)), Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)), Ms(histogram.GetMaxValue()), failed);
    }
}
