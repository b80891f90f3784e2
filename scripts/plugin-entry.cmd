@echo off
rem Launcher helm runs for `helm secrets ...` on Windows: runs the CLI with node from PATH.
setlocal
where node >nul 2>nul
if errorlevel 1 (
  echo [helm-secrets] Node.js ^>= 20.19 is required, but node was not found in PATH 1>&2
  exit /b 1
)
node "%~dp0..\bin\helm-secrets.js" %*
exit /b %ERRORLEVEL%
