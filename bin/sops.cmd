@echo off
rem sops's command line over this plugin's engine on Windows (bin/sops elsewhere): put this directory first on PATH.
rem HELM_SECRETS_NODE_PATH picks node, else node from PATH.
setlocal
set "node_bin=node"
if defined HELM_SECRETS_NODE_PATH (
  set "node_bin=%HELM_SECRETS_NODE_PATH%"
  goto run
)
where node >nul 2>nul
if errorlevel 1 (
  echo sops ^(helm-secrets-ts^): Node.js ^>= 20.19 is required, but node was not found in PATH 1>&2
  exit /b 1
)
:run
"%node_bin%" "%~dp0sops.js" %*
exit /b %ERRORLEVEL%
