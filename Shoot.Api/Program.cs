using Carter;
using Shoot.Api;
using Shoot.Features;
using Shoot.Infrastructure;
using Shoot.Infrastructure.Health;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddShootInfrastructure(builder.Configuration);
builder.Services.AddShootFeatures();
builder.AddShootOperations();

var app = builder.Build();
app.UseShootInfrastructure();
app.MapCarter();
app.MapShootStomp();
app.MapShootHealthChecks();
app.MapShootOperations();
app.Run();

/// <summary>Entry point; public so integration tests can host it with WebApplicationFactory.</summary>
public partial class Program;
