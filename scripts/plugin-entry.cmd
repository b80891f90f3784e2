@echo off
rem Launcher helm runs for `helm secrets ...` on Windows: runs the CLI with HELM_SECRETS_NODE_PATH, or node from PATH.
setlocal
set "node_bin=node"
if defined HELM_SECRETS_NODE_PATH (
  set "node_bin=%HELM_SECRETS_NODE_PATH%"
  goto run
)
where node >nul 2>nul
if errorlevel 1 (
  echo [helm-secrets] Node.js ^>= 20.19 is required, but node was not found in PATH 1>&2
  exit /b 1
)
:run
"%node_bin%" "%~dp0..\bin\helm-secrets.js" %*
exit /b %ERRORLEVEL%
