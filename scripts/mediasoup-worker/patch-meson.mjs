// Rewrites a *copy* of mediasoup's worker/ meson files so the worker builds
// against Debian 12's system libraries instead of meson subprojects (which
// download their sources and cannot be fetched on a closed network).
// Every replacement must match: a silent no-op would produce a confusing
// build failure minutes later, so we fail loudly here instead.
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { join } from 'node:path';

const workerDir = process.argv[2];
if (!workerDir) {
  process.stderr.write('usage: patch-meson.mjs <copy of mediasoup/worker>\n');
  process.exit(2);
}

/** subproject variable -> system dependency (pkg-config name). */
const systemDeps = {
  "abseil_cpp_proj.get_variable('absl_container_dep')": "dependency('absl_flat_hash_map')",
  "abseil_cpp_proj.get_variable('absl_strings_dep')": "dependency('absl_strings')",
  "abseil_cpp_proj.get_variable('absl_types_dep')": "dependency('absl_optional')",
  "openssl_proj.get_variable('openssl_dep')": "dependency('openssl')",
  "nlohmann_json_proj.get_variable('nlohmann_json_dep')": "dependency('nlohmann_json')",
  "libuv_proj.get_variable('libuv_dep')": "dependency('libuv')",
  "libsrtp2_proj.get_variable('libsrtp2_dep')": "dependency('libsrtp2')",
  "usrsctp_proj.get_variable('usrsctp_dep')": "dependency('usrsctp')",
};

function replaceOnce(text, from, to, file) {
  if (!text.includes(from)) throw new Error(`${file}: expected to find ${JSON.stringify(from)}`);
  return text.split(from).join(to);
}

function dropTopLevelSubprojects(text, file) {
  const re = /^\w+_proj = subproject\([\s\S]*?^\)\n/gm;
  if (!re.test(text)) throw new Error(`${file}: no subproject() calls found`);
  return text.replace(re, '');
}

function patchFile(file, edit) {
  const path = join(workerDir, file);
  writeFileSync(path, edit(readFileSync(path, 'utf8'), file));
}

patchFile('meson.build', (text, file) => {
  text = replaceOnce(text, "meson_version: '>= 1.1.0'", "meson_version: '>= 1.0.0'", file);
  text = dropTopLevelSubprojects(text, file);
  for (const [from, to] of Object.entries(systemDeps)) {
    if (text.includes(from)) text = text.split(from).join(to);
  }
  // Static archives of the subprojects are gone: only libwebrtc is linked whole.
  text = text.replace(/^ {2}\w+_proj\.get_variable\('\w+'\),\n/gm, '');
  // The test and fuzzer targets need catch2 (a subproject): cut them.
  const testsAt = text.indexOf('test_sources = [');
  if (testsAt < 0) throw new Error(`${file}: test_sources not found`);
  text = text.slice(0, testsAt);
  if (/_proj\.get_variable/.test(text.replace(/^ {2,}wingetopt[\s\S]*?endif/m, ''))) {
    throw new Error(`${file}: unmapped subproject variable left`);
  }
  return text;
});

patchFile('deps/libwebrtc/meson.build', (text, file) => {
  text = dropTopLevelSubprojects(text, file);
  for (const [from, to] of Object.entries(systemDeps)) {
    if (text.includes(from)) text = text.split(from).join(to);
  }
  if (/_proj\.get_variable/.test(text))
    throw new Error(`${file}: unmapped subproject variable left`);
  return text;
});
