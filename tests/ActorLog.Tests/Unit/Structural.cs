using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace ActorLog.Tests.Unit;

/// <summary>
/// Flattens an object graph to text for structural comparison: records hold byte[] and IReadOnlyList, whose
/// Equals compares references. Every public instance property is visited, recursively; numbers carry their type.
/// </summary>
internal static class Structural
{
    public static string Flatten(object? value)
    {
        var sb = new StringBuilder();
        Write(sb, value, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? o, int depth)
    {
        if (depth > 32) throw new InvalidOperationException("Object graph too deep (a cycle?)");
        switch (o)
        {
            case null:
                sb.Append("null");
                return;
            case string s:
                sb.Append('"').Append(s.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append('"');
                return;
            case byte[] bytes:
                sb.Append("0x").Append(Convert.ToHexString(bytes));
                return;
            case ReadOnlyMemory<byte> memory:
                sb.Append("0x").Append(Convert.ToHexString(memory.Span));
                return;
            case Enum e:
                sb.Append(e.GetType().Name).Append('.').Append(e);
                return;
            case bool or char:
                sb.Append(o);
                return;
            case IFormattable f when o.GetType().IsPrimitive || o is decimal:
                sb.Append(o.GetType().Name).Append(':').Append(f.ToString(null, CultureInfo.InvariantCulture));
                return;
            case IEnumerable items:
                sb.Append('[');
                foreach (var item in items) { Write(sb, item, depth + 1); sb.Append(','); }
                sb.Append(']');
                return;
        }
        var type = o.GetType();
        sb.Append(type.Name).Append('{');
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .Where(p => p.GetIndexParameters().Length == 0).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            sb.Append(p.Name).Append('=');
            Write(sb, p.GetValue(o), depth + 1);
            sb.Append(';');
        }
        sb.Append('}');
    }
}
