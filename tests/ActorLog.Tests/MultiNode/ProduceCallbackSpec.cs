using System.Collections.Concurrent;
using ActorLog.Client;
using ActorLog.Common;
using ActorLog.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// The callback produce API and the intake that hands records from callers' threads to the client actor: every record
/// reported exactly once, per-partition order kept per sender, handler failures contained, a closed client failing fast.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class ProduceCallbackSpec(ITestOutputHelper output)
{
    private const int Senders = 4;
    private const int PerSender = 2_500;

    [Fact(Timeout = 180_000)]
    public async Task Concurrent_senders_get_one_report_per_record_in_order_and_a_throwing_handler_harms_nothing()
    {
        await using var cluster = await InProcessCluster.StartAsync(3);
        var client = await cluster.ConnectAsync();
        await client.CreateTopicAsync("callbacks", 3, 3, 2);

        // (sender, index) -> report; a second report for the same record fails the test.
        var reports = new ConcurrentDictionary<(int Sender, int Index), DeliveryReport>();
        var duplicates = 0;
        var done = new CountdownEvent(Senders * PerSender);
        var threads = Enumerable.Range(0, Senders).Select(s => new Thread(() =>
        {
            for (var i = 0; i < PerSender; i++)
            {
                var index = i;
                client.Produce("callbacks", BitConverter.GetBytes(s * 1_000_000 + i), BitConverter.GetBytes(i), report =>
                {
                    if (!reports.TryAdd((s, index), report)) Interlocked.Increment(ref duplicates);
                    done.Signal();
                });
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.True(done.Wait(TimeSpan.FromSeconds(60)), $"{done.CurrentCount} record(s) never reported; {await client.DescribeStateAsync()}");
        Assert.Equal(0, duplicates);
        Assert.All(reports.Values, r => Assert.True(r.Succeeded, r.Error?.Message));

        // Offsets: unique and gap-free per partition; one sender's records to one partition keep their send order.
        foreach (var partition in reports.Values.GroupBy(r => r.Partition))
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(r => r.Offset).Order());
        for (var s = 0; s < Senders; s++)
            foreach (var byPartition in Enumerable.Range(0, PerSender).Select(i => reports[(s, i)]).GroupBy(r => r.Partition))
            {
                var offsets = byPartition.Select(r => r.Offset).ToList();
                Assert.Equal(offsets.Order(), offsets);
            }
        output.WriteLine(string.Join(", ", reports.Values.GroupBy(r => r.Partition).OrderBy(g => g.Key).Select(g => $"partition {g.Key}: {g.Count()}")));

        // A handler that throws is logged; the client goes on serving.
        var thrown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Produce("callbacks", null, new byte[] { 1 }, _ =>
        {
            thrown.TrySetResult();
            throw new InvalidOperationException("a careless handler");
        }, acks: Acks.Leader);
        await thrown.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var after = await client.ProduceAsync("callbacks", "k", "after the throw", Acks.All);
        Assert.True(after.Offset >= 0);

        // A failure reaches the handler as a report with its error.
        var failed = new TaskCompletionSource<DeliveryReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Produce("callbacks", null, new byte[] { 1 }, r => failed.TrySetResult(r), partition: 9);
        var report = await failed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(report.Succeeded);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, report.Error!.Code);
        Assert.Equal(-1, report.Partition);

        // A closed client fails a record at once instead of leaving its caller waiting.
        await client.DisposeAsync();
        var closed = await Assert.ThrowsAsync<ActorLogException>(() =>
            client.ProduceAsync("callbacks", "k", "too late", Acks.All).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(ErrorCode.BrokerNotAvailable, closed.Code);
    }
}
