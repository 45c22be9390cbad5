using System.CommandLine;
using System.Diagnostics;
using ActorLog.Client;
using ActorLog.Client.Consumer;
using HdrHistogram;

namespace ActorLog.Cli.Commands;

/// <summary>
/// actorlog bench consume: a group consumer reading a topic from the beginning (records/s, MB/s), or with --rate,
/// records produced at that rate while the consumer reads them: end-to-end latency, produce call → record consumed,
/// both in this process (the value carries the send time), p50/p99 with HdrHistogram.
/// </summary>
internal static class BenchConsumeCommand
{
    public static Command Create()
    {
        var topic = new Option<string>("--topic") { Description = "Topic to read (it must exist)", DefaultValueFactory = _ => "bench" };
        var records = new Option<long>("--records") { Description = "Records to read (throughput mode)", DefaultValueFactory = _ => 1_000_000 };
        var rate = new Option<int>("--rate") { Description = "Latency mode: produce this many records/s (acks=all) and time each to its consumption" };
        var duration = new Option<int>("--duration-s") { Description = "Latency mode: seconds to produce for", DefaultValueFactory = _ => 30 };
        var size = new Option<int>("--record-size") { Description = "Latency mode: value size in bytes (at least 8)", DefaultValueFactory = _ => 100 };
        var warmup = new Option<int>("--warmup-s")
        {
            Description = "Latency mode: seconds produced and consumed at the rate before the timed ones (a fresh process runs cold code first)",
            DefaultValueFactory = _ => 5,
        };
        var cmd = new Command("consume", "Consumer throughput, or end-to-end latency at a fixed produce rate") { topic, records, rate, duration, size, warmup };
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            var name = r.GetValue(topic)!;
            await client.DescribeTopicAsync(name, ct);
            var group = $"bench-{Guid.NewGuid():N}"[..14];
            if (r.GetValue(rate) > 0) return await Latency(client, name, group, r.GetValue(rate), Math.Max(0, r.GetValue(warmup)), r.GetValue(duration),
                Math.Max(8, r.GetValue(size)), ct);
            await using var consumer = client.Consumer(group, new[] { name }, new ConsumerOptions { AutoOffsetReset = AutoOffsetReset.Earliest });
            var target = r.GetValue(records);
            long count = 0, bytes = 0;
            Stopwatch? clock = null;
            await foreach (var record in consumer.ConsumeAsync(ct))
            {
                clock ??= Stopwatch.StartNew(); // from the first record: joining the group is not reading
                bytes += record.Value?.Length ?? 0;
                if (++count % 200_000 == 0) await Console.Error.WriteLineAsync($"  {count:N0} / {target:N0} read");
                if (count >= target) break;
            }
            var seconds = clock!.Elapsed.TotalSeconds;
            Console.Out.WriteLine($"{count} records read in {seconds:0.00} s: {count / seconds:N0} records/s, {bytes / seconds / 1_000_000:0.0} MB/s (group {group})");
            return 0;
        }));
        return cmd;
    }

    private static async Task<int> Latency(ActorLogClient client, string topic, string group, int rate, int warmupSeconds, int seconds, int size,
        CancellationToken ct)
    {
        var partitions = (await client.DescribeTopicAsync(topic, ct)).Partitions.Count;
        var histogram = new LongHistogram(TimeSpan.FromMinutes(1).Ticks, 3);
        await using var consumer = client.Consumer(group, new[] { topic }, new ConsumerOptions { AutoOffsetReset = AutoOffsetReset.Latest });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        long received = 0;
        // Records sent before this moment (the warm-up) are consumed but not timed or counted.
        var timedFrom = long.MaxValue;
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var record in consumer.ConsumeAsync(stop.Token))
                {
                    if (record.Value is not { Length: >= 8 } v) continue;
                    var sent = BitConverter.ToInt64(v, 0);
                    if (sent < Interlocked.Read(ref timedFrom)) continue;
                    lock (histogram) histogram.RecordValue(Math.Max(0, Stopwatch.GetTimestamp() - sent) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
                    Interlocked.Increment(ref received);
                }
            }
            catch (OperationCanceledException) { }
        }, CancellationToken.None);
        // Start producing only once the consumer owns every partition (latest = from now on).
        while (consumer.Assignment.Count < partitions) await Task.Delay(50, ct);
        await Task.Delay(500, ct);
        var total = (long)rate * seconds;
        var warmupRecords = (long)rate * warmupSeconds;
        if (warmupRecords > 0) await Console.Error.WriteLineAsync($"warming up for {warmupSeconds} s ({warmupRecords:N0} records, not timed)");
        var clock = Stopwatch.StartNew();
        var sends = new List<Task>();
        for (long i = 0; i < warmupRecords + total; i++)
        {
            if (i == warmupRecords) Interlocked.Exchange(ref timedFrom, Stopwatch.GetTimestamp());
            var due = TimeSpan.FromSeconds(i / (double)rate);
            if (clock.Elapsed < due) await Task.Delay(due - clock.Elapsed, ct);
            var value = new byte[size];
            BitConverter.TryWriteBytes(value, Stopwatch.GetTimestamp());
            sends.Add(client.ProduceAsync(topic, null, value, null, Acks.All));
        }
        await Task.WhenAll(sends);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Interlocked.Read(ref received) < total && DateTime.UtcNow < deadline) await Task.Delay(50, ct);
        await stop.CancelAsync();
        await reader;
        double Ms(long ticks) => ticks / (double)TimeSpan.TicksPerMillisecond;
        Console.Out.WriteLine($"{received} of {total} records at {rate}/s consumed; end-to-end latency p50 {Ms(histogram.GetValueAtPercentile(50)):0.000} ms, " +
            $"p99 {Ms(histogram.GetValueAtPercentile(99)):0.000} ms, max {Ms(histogram.GetMaxValue()):0.000} ms");
        return received == total ? 0 : 1;
    }
}
