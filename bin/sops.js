#!/usr/bin/env node
// bin/sops runs this: the same bundle, code cache and checks as bin/helm-secrets.js, entered as sops's command line.
'use strict';
require('./helm-secrets.js').start('sops');
