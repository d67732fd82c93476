// Copies the browser libraries named in libs.json from node_modules (installed by `npm ci`) to Shoot.Api/wwwroot/lib.
// Refuses when an installed package is not the pinned version, so the copies always match the manifest.
'use strict';
const fs = require('fs');
const path = require('path');

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, 'libs.json'), 'utf8'));
const target = path.join(__dirname, '..', 'Shoot.Api', 'wwwroot', 'lib');
fs.mkdirSync(target, { recursive: true });
for (const lib of manifest.libraries) {
  const installed = JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', lib.package, 'package.json'), 'utf8')).version;
  if (installed !== lib.version) {
    console.error(`${lib.package} ${installed} is installed but libs.json pins ${lib.version}: run npm ci`);
    process.exit(1);
  }
  fs.copyFileSync(path.join(__dirname, 'node_modules', lib.package, lib.file), path.join(target, lib.target));
  console.log(`${lib.package}@${lib.version} ${lib.file} -> wwwroot/lib/${lib.target}`);
}
