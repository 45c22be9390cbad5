using System.CommandLine;
using System.Diagnostics;
using ActorLog.Client;
using HdrHistogram;

namespace ActorLog.Cli.Commands;

/// <summary>
/// actorlog bench roundtrip: one request at a time to a partition's leader, and the latency of each. <c>--kind fetch</c>
/// asks for the records at the log end without waiting (an empty answer from the leader's memory: a remote round trip
/// and nothing else); <c>--kind produce</c> writes one small record (the round trip plus the journal write, and with
/// acks=all replication). The difference between the two is what the log itself costs; the fetch figure is the floor
/// the transport sets on this machine.
/// </summary>
internal static class BenchRoundTripCommand
{
    public sealed record RoundTripResult(string Topic, int Partition, string Kind, string? Acks, long Requests, double Seconds,
        double RequestsPerSecond, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs);

    public static Command Create()
    {
        var topic = new Option<string>("--topic") { Description = "Topic (it must exist)", DefaultValueFactory = _ => "bench" };
        var partition = new Option<int>("--partition") { Description = "Partition to ask", DefaultValueFactory = _ => 0 };
        var requests = new Option<long>("--requests") { Description = "Requests to time", DefaultValueFactory = _ => 5_000 };
        var warmup = new Option<long>("--warmup-requests") { Description = "Requests sent first and left out", DefaultValueFactory = _ => 1_000 };
        var kind = new Option<string>("--kind") { Description = "fetch (an empty fetch at the log end) or produce (one record)", DefaultValueFactory = _ => "fetch" };
        kind.AcceptOnlyFromAmong("fetch", "produce");
        var acks = ProduceCommand.AcksOption();
        var cmd = new Command("roundtrip", "Latency of one request at a time: an empty fetch (transport only) or a one-record produce")
            { topic, partition, requests, warmup, kind, acks };
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            var name = r.GetValue(topic)!;
            var p = r.GetValue(partition);
            var isFetch = r.GetValue(kind) == "fetch";
            var ackSetting = ProduceCommand.ParseAcks(r.GetValue(acks)!);
            // The log end is read once: records produced meanwhile only make the answer non-empty.
            var end = isFetch ? await client.HighWatermarkAsync(name, p, ct) : 0;
            Func<Task> request = isFetch
                ? () => client.FetchAsync(name, p, end, TimeSpan.Zero, ct: ct)
                : () => client.ProduceAsync(name, null, new byte[] { 1 }, null, ackSetting, p);

            for (long i = 0; i < r.GetValue(warmup) && !ct.IsCancellationRequested; i++) await request();
            var histogram = new LongHistogram(TimeSpan.FromMinutes(1).Ticks, 3);
            var count = r.GetValue(requests);
            var clock = Stopwatch.StartNew();
            for (long i = 0; i < count && !ct.IsCancellationRequested; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await request();
                histogram.RecordValue(Stopwatch.GetElapsedTime(started).Ticks);
                if ((i + 1) % 10_000 == 0) await Console.Error.WriteLineAsync($"  {i + 1:N0} / {count:N0}");
            }
            var seconds = clock.Elapsed.TotalSeconds;
            double Ms(long ticks) => ticks / (double)TimeSpan.TicksPerMillisecond;
            var result = new RoundTripResult(name, p, isFetch ? "fetch" : "produce", isFetch ? null : ackSetting.ToString(), histogram.TotalCount,
                seconds, histogram.TotalCount / seconds, Ms(histogram.GetValueAtPercentile(50)), Ms(histogram.GetValueAtPercentile(90)),
                Ms(histogram.GetValueAtPercentile(99)), Ms(histogram.GetValueAtPercentile(99.9)), Ms(histogram.GetMaxValue()));
            if (CommonOptions.Json(r)) Output.Json(result);
            else Console.Out.WriteLine($"{result.Requests} {result.Kind} requests one at a time in {seconds:0.00} s ({result.RequestsPerSecond:N0}/s): " +
                $"p50 {result.P50Ms:0.000} ms, p90 {result.P90Ms:0.000} ms, p99 {result.P99Ms:0.000} ms, p99.9 {result.P999Ms:0.000} ms, max {result.MaxMs:0.000} ms");
            return 0;
        }));
        return cmd;
    }
}
