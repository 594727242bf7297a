#!/usr/bin/env bash
# Runs Chromium at a lower CPU priority. The recording test's participant
# browsers are load generators sharing the machine with the system under test
# (server, mediasoup, recorder bot); in production the recorder has its own
# cores, so here it gets precedence over the participants instead.
exec nice -n 10 "${CHROMIUM_PATH:-/usr/bin/chromium}" "$@"
