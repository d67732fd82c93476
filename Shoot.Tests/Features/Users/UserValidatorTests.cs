using Shoot.Features.Friends;
using Shoot.Features.Users;
using static Shoot.Tests.Support.Validation;

namespace Shoot.Tests.Features.Users;

/// <summary>Profile, status, search, friend request and recommendation parameters (docs/api.md §2, §3), without a host.</summary>
[Trait("Category", "Unit")]
public sealed class UserValidatorTests
{
    [Fact]
    public void Profile_edits_check_only_what_they_carry_and_images_are_http_urls()
    {
        Assert.Empty(Refused(new Profile.UpdateMeValidator(), new Profile.UpdateMe(1, null, null)));
        Assert.Equal(["Nickname", "Bio"], Refused(new Profile.UpdateMeValidator(), new Profile.UpdateMe(1, "", new string('b', 201))));
        Assert.Empty(Refused(new Profile.SetImageValidator(), new Profile.SetImage(1, Profile.ImageKind.Profile, "https://example.com/a.png")));
        Assert.Equal(["Url"], Refused(new Profile.SetImageValidator(), new Profile.SetImage(1, Profile.ImageKind.Profile, "javascript:alert(1)")));
        Assert.Equal(["Url"], Refused(new Profile.SetImageValidator(), new Profile.SetImage(1, Profile.ImageKind.Background, "/relative.png")));
    }

    [Theory]
    [InlineData("ONLINE", true)]
    [InlineData("AWAY", true)]
    [InlineData("online", false)]
    [InlineData("INVISIBLE", false)]
    [InlineData(null, false)]
    public void Status_is_one_of_four(string? status, bool valid) =>
        Assert.Equal(valid, Refused(new UpdateStatus.Validator(), new UpdateStatus.Command(1, status)).Length == 0);

    [Fact]
    public void Searches_and_recommendations_have_their_bounds()
    {
        Assert.Equal(["Q"], Refused(new FindUsers.SearchValidator(), new FindUsers.Search(1, "", null)));
        Assert.Equal(["Limit"], Refused(new FindUsers.SearchValidator(), new FindUsers.Search(1, "al", 101)));
        Assert.Empty(Refused(new RecommendFriends.Validator(), new RecommendFriends.Query(1, 100, 1, 1000)));
        Assert.Equal(["Limit", "MaxDepth", "Skip"], Refused(new RecommendFriends.Validator(), new RecommendFriends.Query(1, 0, 5, 1001)));
    }

    [Fact]
    public void A_friend_request_names_its_target_exactly_once()
    {
        var validator = new SendFriendRequest.Validator();
        Assert.Empty(Refused(validator, new SendFriendRequest.Command(1, 2, null)));
        Assert.Empty(Refused(validator, new SendFriendRequest.Command(1, null, "AB12CD34")));
        Assert.NotEmpty(Refused(validator, new SendFriendRequest.Command(1, null, null)));
        Assert.NotEmpty(Refused(validator, new SendFriendRequest.Command(1, 2, "AB12CD34")));
        Assert.Equal(["UserCode"], Refused(validator, new SendFriendRequest.Command(1, null, "AB12")));
        Assert.Equal(["TargetUserId"], Refused(validator, new SendFriendRequest.Command(1, 1, null)));
    }
}
