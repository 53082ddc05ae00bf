// Preloaded into Prisma CLI calls (scripts/prisma.mjs): the WASM schema engine arms 10 s and 60 s
// timers it never clears, so the CLI would linger long after its work. Unref'd timers still fire if
// the process is alive for other reasons; they just no longer hold it open.
const LONG_TIMER_MS = 5000;
for (const name of ["setTimeout", "setInterval"]) {
  const original = globalThis[name];
  globalThis[name] = function (callback, ms, ...args) {
    const timer = original.call(this, callback, ms, ...args);
    if (typeof ms === "number" && ms >= LONG_TIMER_MS) timer?.unref?.();
    return timer;
  };
}
