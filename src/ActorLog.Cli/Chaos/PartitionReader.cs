using System.Globalization;
using System.Text;
using ActorLog.Client;

namespace ActorLog.Cli.Chaos;

/// <summary>
/// Reads a partition from offset 0 up to its high watermark with FetchAsync, as a consumer would, and
/// parses each value back into its record number.
/// </summary>
internal static class PartitionReader
{
    public sealed record PartitionRead(int Partition, long HighWatermark, IReadOnlyList<ReadRecord> Records, string? Error);

    public static async Task<PartitionRead> ReadAsync(ActorLogClient client, string topic, int partition, TimeSpan timeout, CancellationToken ct)
    {
        var records = new List<ReadRecord>();
        var deadline = DateTime.UtcNow + timeout;
        long offset = 0, highWatermark = -1;
        string? lastError = null;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            FetchedRecords batch;
            try
            {
                batch = await client.FetchAsync(topic, partition, offset, TimeSpan.Zero, ct: ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // The client retries while a leader moves; past that, keep trying until the timeout.
                lastError = e.Message;
                if (DateTime.UtcNow > deadline) return new PartitionRead(partition, highWatermark, records, $"fetch at offset {offset}: {lastError}");
                await Task.Delay(500, ct);
                continue;
            }
            highWatermark = batch.HighWatermark;
            foreach (var r in batch.Records)
                records.Add(new ReadRecord(partition, r.Offset, ParseNumber(r.Value)));
            if (batch.Records.Count > 0) offset = batch.Records[^1].Offset + 1;
            if (offset >= highWatermark) return new PartitionRead(partition, highWatermark, records, null);
            if (batch.Records.Count == 0)
            {
                // Below the high watermark yet nothing came back: the reader cannot move on; report it, do not spin.
                if (DateTime.UtcNow > deadline)
                    return new PartitionRead(partition, highWatermark, records, $"no records at offset {offset} below high watermark {highWatermark}");
                await Task.Delay(200, ct);
            }
        }
    }

    private static long? ParseNumber(byte[]? value) =>
        value is not null && long.TryParse(Encoding.UTF8.GetString(value), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
}
