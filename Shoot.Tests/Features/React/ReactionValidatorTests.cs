using Shoot.Features.Messages;
using static Shoot.Tests.Support.Validation;

namespace Shoot.Tests.Features.Messages;

/// <summary>Which reactions and pins are well formed (docs/api.md §5): names in any case, or their emoji.</summary>
[Trait("Category", "Unit")]
public sealed class ReactionValidatorTests
{
    [Theory]
    [InlineData("like")]
    [InlineData("THUMBSUP")]
    [InlineData("👍")]
    [InlineData("👍🏽")]
    [InlineData("❤")]
    [InlineData("❤️")]
    public void Names_and_emoji_are_accepted(string reaction) =>
        Assert.Empty(Refused(new Reactions.Validator(), new Reactions.Command(1, AnId(), reaction, true)));

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("dislike")]
    [InlineData("🙂")]
    public void Anything_else_is_refused_as_a_reaction(string? reaction) =>
        Assert.Equal(["Reaction"], Refused(new Reactions.Validator(), new Reactions.Command(1, AnId(), reaction, true)));

    [Fact]
    public void Reactions_and_pins_need_a_message_id()
    {
        Assert.Equal(["MessageId"], Refused(new Reactions.Validator(), new Reactions.Command(1, null, "like", true)));
        Assert.Equal(["MessageId"], Refused(new Pins.Validator(), new Pins.SetPin(1, "x", true)));
        Assert.Empty(Refused(new Pins.Validator(), new Pins.SetPin(1, AnId(), false)));
    }
}
