# syntax=docker/dockerfile:1
# Shoot API image: build with the SDK, run on the ASP.NET runtime image (as its non-root "app" user).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Project files first, so that the restore layer is reused while only source changes.
# Directory.Build.targets too: without it the Dapper.AOT analyzer (from Hangfire.PostgreSql) fails the build (DAP005).
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props Shoot.sln ./
COPY Shoot.Api/Shoot.Api.csproj Shoot.Api/
COPY Infrastructure/Shoot.Infrastructure.csproj Infrastructure/
COPY Features/Shoot.Features.csproj Features/
RUN dotnet restore Shoot.Api/Shoot.Api.csproj
COPY Shoot.Api/ Shoot.Api/
COPY Infrastructure/ Infrastructure/
COPY Features/ Features/
RUN dotnet publish Shoot.Api/Shoot.Api.csproj --configuration Release --no-restore --output /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
USER root
# curl for the health check (docker-compose.yml); the runtime image has neither curl nor wget.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/shoot \
    && chown "$APP_UID" /var/lib/shoot
WORKDIR /app
COPY --from=build /app ./
USER $APP_UID
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    Shoot__DataDirectory=/var/lib/shoot
EXPOSE 8080
VOLUME /var/lib/shoot
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 \
    CMD ["curl", "--fail", "--silent", "--output", "/dev/null", "http://127.0.0.1:8080/health/ready"]
ENTRYPOINT ["dotnet", "Shoot.Api.dll"]
