using System.CommandLine;
using System.Text;
using ActorLog.Client;
using ActorLog.Common;

namespace ActorLog.Cli.Commands;

/// <summary>actorlog produce TOPIC: one record per stdin line, "key SEP value" when a separator is given.</summary>
internal static class ProduceCommand
{
    /// <summary>Records sent and not yet acknowledged; the client batches them per partition.</summary>
    private const int Window = 10_000;

    public static Command Create()
    {
        var topic = new Argument<string>("topic");
        var acks = AcksOption();
        var separator = new Option<string?>("--key-separator") { Description = "Split each line into key and value at the first SEP" };
        var partition = new Option<int?>("--partition") { Description = "Write every record to this partition" };
        var cmd = new Command("produce", "Write records read from stdin, one per line") { topic, acks, separator, partition };
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            var json = CommonOptions.Json(r);
            var name = r.GetValue(topic)!;
            var ack = ParseAcks(r.GetValue(acks)!);
            var sep = r.GetValue(separator);
            var pending = new Queue<Task<DeliveryResult>>();
            var count = 0L;
            string? line;
            while ((line = await Console.In.ReadLineAsync(ct)) is not null)
            {
                string? key = null;
                var value = line;
                if (!string.IsNullOrEmpty(sep))
                {
                    var at = line.IndexOf(sep, StringComparison.Ordinal);
                    if (at < 0) throw new ArgumentException($"Line {count + pending.Count + 1} has no key separator '{sep}': {line}");
                    key = line[..at];
                    value = line[(at + sep.Length)..];
                }
                pending.Enqueue(client.ProduceAsync(name, key, value, ack, r.GetValue(partition)));
                while (pending.Count >= Window || (pending.Count > 0 && pending.Peek().IsCompleted)) count += await Report(pending.Dequeue(), json);
            }
            while (pending.Count > 0) count += await Report(pending.Dequeue(), json);
            if (!json) await Console.Error.WriteLineAsync($"{count} record(s) written to {name} (acks={r.GetValue(acks)}).");
            return 0;
        }));
        return cmd;
    }

    private static async Task<long> Report(Task<DeliveryResult> task, bool json)
    {
        var result = await task;
        if (json) Output.Json(new { partition = result.Partition, offset = result.Offset });
        return 1;
    }

    public static Option<string> AcksOption() => new Option<string>("--acks")
    {
        Description = "all (every in-sync replica persisted), 1 (the leader persisted) or 0 (no answer)",
        DefaultValueFactory = _ => "all",
    }.AcceptOnlyFromAmong("all", "-1", "1", "0");

    public static Acks ParseAcks(string value) => value switch
    {
        "all" or "-1" => Acks.All,
        "1" => Acks.Leader,
        "0" => Acks.None,
        _ => throw new ActorLogException(ErrorCode.InvalidRequiredAcks, $"acks must be all, 1 or 0, got {value}"),
    };

    public static string Text(byte[]? bytes) => bytes is null ? "" : Encoding.UTF8.GetString(bytes);
}
