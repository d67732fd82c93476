using System.Buffers;

namespace Shoot.Infrastructure.Stomp.Server;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over an array rented from the shared pool and returned by <see cref="Release"/>,
/// so an idle connection holds no send buffer between batches.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>
{
    private byte[] _buffer = [];
    private int _written;

    public int WrittenCount => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Release()
    {
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _written = 0;
    }

    private void Ensure(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length) return;
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(4096, _buffer.Length * 2)));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
