@echo off
rem Getter launcher on Windows. helm runs bin\secrets-getter with the plugin directory in front: Go finds this
rem file through PATHEXT (helm 3's downloaders[].command, helm 4's protocolCommands). It runs the CLI found in
rem its own plugin (a packaged plugin), two levels up (a checkout), or among the installed helm plugins, with
rem HELM_SECRETS_NODE_PATH or node from PATH. Arguments: downloader certFile keyFile caFile URL.
setlocal
set "node_bin=node"
if defined HELM_SECRETS_NODE_PATH set "node_bin=%HELM_SECRETS_NODE_PATH%"
set "main=%~dp0.."
if not exist "%main%\bin\helm-secrets.js" set "main=%~dp0..\..\.."
if exist "%main%\bin\helm-secrets.js" goto run
set "main="
if defined HELM_PLUGINS for /d %%d in ("%HELM_PLUGINS%\*") do if not defined main if exist "%%~fd\bin\helm-secrets.js" set "main=%%~fd"
if not defined main (
  echo [helm-secrets] the secrets plugin ^(bin\helm-secrets.js^) was not found; install it with 'helm plugin install' 1>&2
  exit /b 1
)
:run
"%node_bin%" "%main%\bin\helm-secrets.js" %*
exit /b %ERRORLEVEL%
