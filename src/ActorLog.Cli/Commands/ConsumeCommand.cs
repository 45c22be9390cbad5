using System.CommandLine;
using System.Diagnostics;
using ActorLog.Client;
using ActorLog.Client.Consumer;
using ActorLog.Common;

namespace ActorLog.Cli.Commands;

/// <summary>actorlog consume TOPIC: reads partitions in offset order, below the high watermark.</summary>
internal static class ConsumeCommand
{
    public static Command Create()
    {
        var topic = new Argument<string>("topic");
        var partition = new Option<int?>("--partition") { Description = "Read only this partition (default: all)" };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Start at the oldest record retention kept (default: the end)" };
        var offset = new Option<long?>("--offset") { Description = "Start at this offset" };
        var maxMessages = new Option<long?>("--max-messages") { Description = "Exit after this many records" };
        var timeout = new Option<int?>("--timeout-ms") { Description = "Exit when no record arrives for this long" };
        var group = new Option<string?>("--group")
        {
            Description = "Read as a member of this consumer group: from its committed offsets, committing as it goes " +
                "(--from-beginning: where the group has no committed offset, start at the first record instead of the end)",
        };
        var cmd = new Command("consume", "Print records of a topic") { topic, partition, fromBeginning, offset, maxMessages, timeout, group };
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            if (r.GetValue(group) is { } groupId)
            {
                if (r.GetValue(partition) is not null || r.GetValue(offset) is not null)
                    throw new ArgumentException("--group reads the partitions the group assigns, from its committed offsets: --partition and --offset do not apply");
                return await ConsumeAsGroupAsync(client, groupId, r.GetValue(topic)!, r.GetValue(fromBeginning),
                    r.GetValue(maxMessages) ?? long.MaxValue, r.GetValue(timeout), CommonOptions.Json(r), ct);
            }
            if (r.GetValue(fromBeginning) && r.GetValue(offset) is not null)
                throw new ArgumentException("Give either --from-beginning or --offset, not both");
            var name = r.GetValue(topic)!;
            var description = await client.DescribeTopicAsync(name, ct);
            var partitions = r.GetValue(partition) is { } p
                ? description.Partitions.Where(x => x.Partition == p).ToList()
                : description.Partitions.ToList();
            if (partitions.Count == 0)
                throw new ActorLogException(ErrorCode.UnknownTopicOrPartition,
                    $"Topic '{name}' has partitions 0..{description.Partitions.Count - 1}; there is no partition {r.GetValue(partition)}");
            var positions = new Dictionary<int, long>();
            foreach (var x in partitions)
                positions[x.Partition] = r.GetValue(offset) ?? (!r.GetValue(fromBeginning) ? Math.Max(0, x.HighWatermark)
                    // describe asked each leader for its log start (retention may have dropped offset 0); -1: no answer in time
                    : x.LogStartOffset >= 0 ? x.LogStartOffset : (await client.OffsetsAsync(name, x.Partition, ct)).LogStartOffset);
            var json = CommonOptions.Json(r);
            var limit = r.GetValue(maxMessages) ?? long.MaxValue;
            var idleLimit = r.GetValue(timeout);
            var wait = TimeSpan.FromMilliseconds(partitions.Count == 1 ? 500 : Math.Max(20, 200 / partitions.Count));
            var idle = Stopwatch.StartNew();
            long printed = 0;
            while (printed < limit && !ct.IsCancellationRequested)
            {
                var gotAny = false;
                foreach (var part in positions.Keys.ToList())
                {
                    var fetched = await client.FetchAsync(name, part, positions[part], wait, ct: ct);
                    foreach (var record in fetched.Records)
                    {
                        Print(record, json);
                        positions[part] = record.Offset + 1;
                        gotAny = true;
                        if (++printed >= limit) break;
                    }
                    if (printed >= limit) break;
                }
                if (gotAny) idle.Restart();
                else if (idleLimit is { } t && idle.ElapsedMilliseconds >= t) break;
            }
            await Console.Out.FlushAsync(ct);
            if (!json) await Console.Error.WriteLineAsync($"Processed {printed} record(s).");
            return 0;
        }));
        return cmd;
    }

    private static async Task<int> ConsumeAsGroupAsync(ActorLogClient client, string groupId, string topic, bool fromBeginning,
        long limit, int? idleLimitMs, bool json, CancellationToken ct)
    {
        await client.DescribeTopicAsync(topic, ct); // an unknown topic is an error here, not an empty assignment
        await using var consumer = client.Consumer(groupId, new[] { topic },
            new ConsumerOptions { AutoOffsetReset = fromBeginning ? AutoOffsetReset.Earliest : AutoOffsetReset.Latest });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var idle = Stopwatch.StartNew();
        // The record stream never ends by itself: a watchdog ends it after --timeout-ms without a record.
        var watchdog = idleLimitMs is { } limitMs
            ? Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    if (idle.ElapsedMilliseconds >= limitMs) { await stop.CancelAsync(); return; }
                    await Task.Delay(50, CancellationToken.None);
                }
            }, CancellationToken.None)
            : Task.CompletedTask;
        long printed = 0;
        try
        {
            await foreach (var record in consumer.ConsumeAsync(stop.Token))
            {
                Print(record, json);
                idle.Restart();
                if (++printed >= limit) break;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // idle timeout
        }
        await stop.CancelAsync();
        await watchdog;
        await Console.Out.FlushAsync(CancellationToken.None);
        await consumer.CommitAsync(CancellationToken.None);
        if (!json) await Console.Error.WriteLineAsync($"Processed {printed} record(s) as group {groupId}; offsets committed.");
        return 0;
    }

    private static void Print(ConsumedRecord record, bool json)
    {
        if (json)
            Output.Json(new
            {
                topic = record.Topic, partition = record.Partition, offset = record.Offset,
                key = record.Key is null ? null : ProduceCommand.Text(record.Key),
                value = record.Value is null ? null : ProduceCommand.Text(record.Value),
                timestamp = record.Timestamp,
            });
        else Console.Out.WriteLine(ProduceCommand.Text(record.Value));
    }
}
