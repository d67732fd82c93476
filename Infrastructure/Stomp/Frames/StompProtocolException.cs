namespace Shoot.Infrastructure.Stomp.Frames;

/// <summary>
/// A violation of the STOMP protocol by the peer. The server answers it with an ERROR frame whose
/// <c>message</c> header is <see cref="Exception.Message"/>, then closes the connection (STOMP 1.2 requires it).
/// </summary>
public sealed class StompProtocolException(string message) : Exception(message);
