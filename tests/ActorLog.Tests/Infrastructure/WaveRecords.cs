using System.Text;
using ActorLog.Client;
using ActorLog.Common;
using Xunit;

namespace ActorLog.Tests.Infrastructure;

/// <summary>Records of partition 0 of a one-partition topic, written in waves and read back from offset 0.</summary>
public static class WaveRecords
{
    /// <summary>
    /// Waves of 10 records of ~100 bytes (acks=all), each wave awaited before the next: a batch of ~1.4 KiB at least.
    /// Appends (offset, value) to <paramref name="acked"/> and checks the offsets are gap-free from 0.
    /// </summary>
    public static async Task ProduceAsync(ActorLogClient client, string topic, List<(long Offset, string Value)> acked, int waves)
    {
        for (var wave = 0; wave < waves; wave++)
        {
            var sends = Enumerable.Range(acked.Count, 10)
                .Select(i => $"record-{i}-".PadRight(100, 'x'))
                .Select(v => (Value: v, Task: client.ProduceAsync(topic, null, v, Acks.All, 0)))
                .ToList();
            foreach (var (value, task) in sends) acked.Add(((await task).Offset, value));
        }
        Assert.Equal(Enumerable.Range(0, acked.Count).Select(i => (long)i), acked.Select(a => a.Offset));
    }

    /// <summary>
    /// The first <paramref name="count"/> records from offset 0 in fetches of 16 KiB at most (a batch may start below
    /// the offset asked for: those records are skipped, as a consumer does), and how many fetches it took.
    /// </summary>
    public static Task<(List<(long Offset, string Value)> Records, int Fetches)> ReadFromStartAsync(
        ActorLogClient client, string topic, int count, TimeSpan maxWait) => ReadAsync(client, topic, 0, count, maxWait);

    /// <summary>The <paramref name="count"/> records from offset <paramref name="from"/> on, as <see cref="ReadFromStartAsync"/> reads them.</summary>
    public static async Task<(List<(long Offset, string Value)> Records, int Fetches)> ReadAsync(
        ActorLogClient client, string topic, long from, int count, TimeSpan maxWait)
    {
        var read = new List<(long, string)>();
        var fetches = 0;
        while (read.Count < count)
        {
            var offset = from + read.Count;
            var fetched = await client.FetchAsync(topic, 0, offset, maxWait, maxBytes: 16 * 1024);
            fetches++;
            read.AddRange(fetched.Records.Where(r => r.Offset >= offset).Select(r => (r.Offset, Encoding.UTF8.GetString(r.Value!))));
            Assert.True(fetches < 10 * count, "no progress");
        }
        return (read, fetches);
    }
}
