#!/usr/bin/env bash
# Runs Chromium under the SCHED_IDLE policy. The recording test's participant
# browsers are load generators sharing two cores with the system under test
# (server, mediasoup, recorder bot); in production the recorder has its own
# cores. `nice` is not enough: Chromium raises some of its own threads
# (compositor, display, IO) to a higher priority, and those starved the
# recorder. SCHED_IDLE is inherited by every thread and not lifted by those
# priority changes, so participants get whatever CPU the recorder leaves.
exec chrt --idle 0 "${CHROMIUM_PATH:-/usr/bin/chromium}" "$@"
