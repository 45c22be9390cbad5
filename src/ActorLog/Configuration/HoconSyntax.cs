namespace ActorLog.Configuration;

/// <summary>
/// Akka's HOCON parser accepts unbalanced braces, brackets and open strings without a word, so a truncated
/// or mistyped config file would silently mean something else. This structural check finds those first.
/// </summary>
public static class HoconSyntax
{
    /// <returns>null when the text is structurally sound, else what is wrong and on which line.</returns>
    public static string? Check(string text)
    {
        var stack = new Stack<(char Open, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n') { line++; continue; }
            if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                continue;
            }
            if (c == '"')
            {
                var triple = i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"';
                var start = line;
                if (triple)
                {
                    var end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                    if (end < 0) return $"line {start}: unterminated \"\"\" string";
                    line += text.AsSpan(i, end - i).Count('\n');
                    i = end + 2;
                    continue;
                }
                i++;
                while (i < text.Length && text[i] != '"' && text[i] != '\n') i += text[i] == '\\' ? 2 : 1;
                if (i >= text.Length || text[i] != '"') return $"line {start}: unterminated string";
                continue;
            }
            if (c is '{' or '[') stack.Push((c, line));
            else if (c is '}' or ']')
            {
                var expected = c == '}' ? '{' : '[';
                if (stack.Count == 0) return $"line {line}: '{c}' without a matching '{expected}'";
                var (open, openLine) = stack.Pop();
                if (open != expected) return $"line {line}: '{c}' closes the '{open}' opened on line {openLine}";
            }
        }
        return stack.Count == 0 ? null : $"line {stack.Peek().Line}: '{stack.Peek().Open}' is never closed";
    }
}
