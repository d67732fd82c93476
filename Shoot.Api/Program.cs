using Carter;
using Shoot.Api;
using Shoot.Features;
using Shoot.Infrastructure;
using Shoot.Infrastructure.Health;
using Shoot.Infrastructure.Scheduling;

// The content root is the app's own folder, wherever it is started from, so its appsettings.json always applies.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddShootInfrastructure(builder.Configuration);
builder.Services.AddShootFeatures();
builder.AddShootOperations();

var app = builder.Build();
app.UseShootEdge();
app.UseShootWebClient();
app.UseShootInfrastructure();
app.MapCarter();
app.MapShootStomp();
app.MapShootHangfireDashboard();
app.MapShootHealthChecks();
app.MapShootOperations();
app.Run();

/// <summary>Entry point; public so integration tests can host it with WebApplicationFactory.</summary>
public partial class Program;
