namespace ActorLog.Common;

/// <summary>An answer that carries its failure (null when it succeeded), so a caller can act on an error of any request.</summary>
public interface IAnswer
{
    ErrorInfo? Error { get; }
}
