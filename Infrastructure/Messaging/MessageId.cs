using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Shoot.Infrastructure.Messaging;

/// <summary>
/// Message ids in MongoDB's ObjectId layout (docs/api.md §1): 4 bytes of creation second, 5 random bytes fixed per
/// process, 3 bytes of counter, as 24 lowercase hex characters. They sort by time in every store, and two instances
/// never collide (different random part).
/// </summary>
public static class MessageId
{
    private static readonly byte[] ProcessPart = RandomNumberGenerator.GetBytes(5);
    private static int _counter = RandomNumberGenerator.GetInt32(0, 0xFFFFFF);

    public static string New(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)now.ToUnixTimeSeconds());
        ProcessPart.CopyTo(bytes[4..]);
        var counter = Interlocked.Increment(ref _counter) & 0xFFFFFF;
        bytes[9] = (byte)(counter >> 16);
        bytes[10] = (byte)(counter >> 8);
        bytes[11] = (byte)counter;
        return Convert.ToHexStringLower(bytes);
    }

    public static bool IsValid(string? value) =>
        value is { Length: 24 } && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    /// <summary>The lowest id of the creation second of <paramref name="at"/>: ids &gt;= it were created at or after that second.</summary>
    public static string LowestAt(DateTimeOffset at) => ((uint)Math.Max(0, at.ToUnixTimeSeconds())).ToString("x8") + "0000000000000000";

    /// <summary>The creation second encoded in an id.</summary>
    public static DateTimeOffset TimestampOf(string id) =>
        DateTimeOffset.FromUnixTimeSeconds(Convert.ToUInt32(id[..8], 16));
}
