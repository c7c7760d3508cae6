#pragma once

// Cancellation: the user asked modelpusher to stop (SIGINT or SIGTERM in the CLI).
//
// Stopping goes through the ordinary error paths, so that every registry cleans up what it
// began (staging folders, staging branches) and the run still reports its results: readers
// made by the core fail with kCancelled, retry sleeps end early, and plugins may check
// CancelRequested() between long steps. Thread safe and async-signal-safe.

namespace modelpusher {

/// True once RequestCancel() was called.
bool CancelRequested();

/// Asks every running operation to stop. Safe to call from a signal handler.
void RequestCancel();

}  // namespace modelpusher
