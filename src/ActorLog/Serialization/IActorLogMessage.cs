namespace ActorLog.Serialization;

/// <summary>
/// Marker for every type that crosses nodes or is persisted: bound in HOCON to
/// <see cref="ActorLogSerializer"/>, so nothing of ours falls back to the default JSON serializer.
/// </summary>
public interface IActorLogMessage;
