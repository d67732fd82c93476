using System.Net;
using System.Net.Sockets;

namespace Shoot.Infrastructure.UrlPreviews;

/// <summary>
/// Whether an address is on the public internet, so a preview fetch may connect to it. IPv4: everything but the
/// special-purpose blocks (RFC 6890 and successors). IPv6: global unicast (2000::/3) only, minus its special blocks;
/// forms that carry an IPv4 address (mapped, NAT64, 6to4) are judged by that address, the deprecated compatible
/// form and Teredo are refused outright.
/// </summary>
public static class PublicAddress
{
    private static readonly (uint Network, int Bits)[] NonPublicV4 =
    [
        (V4(0, 0, 0, 0), 8),        // "this network", includes 0.0.0.0
        (V4(10, 0, 0, 0), 8),       // private
        (V4(100, 64, 0, 0), 10),    // carrier-grade NAT
        (V4(127, 0, 0, 0), 8),      // loopback
        (V4(169, 254, 0, 0), 16),   // link-local (cloud metadata lives here)
        (V4(172, 16, 0, 0), 12),    // private
        (V4(192, 0, 0, 0), 24),     // IETF protocol assignments
        (V4(192, 0, 2, 0), 24),     // documentation
        (V4(192, 31, 196, 0), 24),  // AS112
        (V4(192, 52, 193, 0), 24),  // AMT
        (V4(192, 88, 99, 0), 24),   // 6to4 relay anycast
        (V4(192, 168, 0, 0), 16),   // private
        (V4(192, 175, 48, 0), 24),  // AS112 direct delegation
        (V4(198, 18, 0, 0), 15),    // benchmarking
        (V4(198, 51, 100, 0), 24),  // documentation
        (V4(203, 0, 113, 0), 24),   // documentation
        (V4(224, 0, 0, 0), 4),      // multicast
        (V4(240, 0, 0, 0), 4),      // reserved, includes broadcast 255.255.255.255
    ];

    public static bool IsPublic(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return IsPublicV4(ToUInt32(address.GetAddressBytes()));
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return false;
        var b = address.GetAddressBytes();
        if (address.IsIPv4MappedToIPv6)
            return IsPublicV4(ToUInt32(b.AsSpan(12)));
        // NAT64 well-known prefix 64:ff9b::/96 reaches the IPv4 address in its last 32 bits.
        if (StartsWith(b, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]))
            return IsPublicV4(ToUInt32(b.AsSpan(12)));
        // 6to4 2002::/16 reaches the IPv4 address in bits 16–47.
        if (b[0] == 0x20 && b[1] == 0x02)
            return IsPublicV4(ToUInt32(b.AsSpan(2)));
        // Only global unicast; this also refuses ::, ::1, IPv4-compatible ::a.b.c.d, fc00::/7, fe80::/10, fec0::/10, ff00::/8, 64:ff9b:1::/48.
        if ((b[0] & 0xe0) != 0x20)
            return false;
        // 2001::/23 (IETF protocol assignments: Teredo 2001::/32, benchmarking, ORCHID …) and documentation 2001:db8::/32, 3fff::/20.
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02)
            return false;
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
            return false;
        if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0)
            return false;
        return true;
    }

    private static bool IsPublicV4(uint address)
    {
        foreach (var (network, bits) in NonPublicV4)
        {
            var mask = uint.MaxValue << (32 - bits);
            if ((address & mask) == network)
                return false;
        }
        return true;
    }

    private static bool StartsWith(byte[] bytes, ReadOnlySpan<byte> prefix) => bytes.AsSpan().StartsWith(prefix);

    private static uint ToUInt32(ReadOnlySpan<byte> b) => (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);

    private static uint V4(byte a, byte b, byte c, byte d) => ToUInt32([a, b, c, d]);
}
