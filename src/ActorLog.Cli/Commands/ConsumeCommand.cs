using System.CommandLine;
using System.Diagnostics;
using ActorLog.Client;
using ActorLog.Common;

namespace ActorLog.Cli.Commands;

/// <summary>actorlog consume TOPIC: reads partitions in offset order, below the high watermark.</summary>
internal static class ConsumeCommand
{
    public static Command Create()
    {
        var topic = new Argument<string>("topic");
        var partition = new Option<int?>("--partition") { Description = "Read only this partition (default: all)" };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Start at the first offset (default: the end)" };
        var offset = new Option<long?>("--offset") { Description = "Start at this offset" };
        var maxMessages = new Option<long?>("--max-messages") { Description = "Exit after this many records" };
        var timeout = new Option<int?>("--timeout-ms") { Description = "Exit when no record arrives for this long" };
        var cmd = new Command("consume", "Print records of a topic") { topic, partition, fromBeginning, offset, maxMessages, timeout };
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
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
            var positions = partitions.ToDictionary(x => x.Partition, x =>
                r.GetValue(fromBeginning) ? 0 : r.GetValue(offset) ?? Math.Max(0, x.HighWatermark));
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
