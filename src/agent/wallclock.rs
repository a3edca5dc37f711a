//! Notices when wall-clock time jumps: the clock being set, and resume from suspend (the
//! kernel cancels `TFD_TIMER_CANCEL_ON_SET` timers in both cases). Monotonic timers, which
//! tokio's are, neither advance in suspend nor follow a clock change, so the loop needs this
//! to re-evaluate at once instead of sleeping to a stale deadline.

use std::io;
use std::os::fd::OwnedFd;

use rustix::time::{
    Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec, timerfd_create,
    timerfd_settime,
};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

use super::event::{Event, EventSender};

/// Sends [`Event::WallClockChanged`] each time the realtime clock is set or jumps.
pub async fn watch(events: EventSender) -> io::Result<()> {
    let timer = arm(timerfd_create(
        TimerfdClockId::Realtime,
        TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
    )?)?;
    // SAFETY: `OwnedFd` is a valid open descriptor that stays open, and the same, for as long
    // as the `AsyncFd` owns it.
    let fd = unsafe { AsyncFd::register_with_interest(timer, Interest::READABLE) }
        .map_err(|e| e.into_parts().1)?;
    loop {
        let mut guard = fd.readable().await?;
        let mut buf = [0u8; 8];
        match rustix::io::read(guard.get_inner(), &mut buf) {
            // ECANCELED: the clock was set. Re-arm, then tell the loop.
            Err(rustix::io::Errno::CANCELED) => {
                arm_again(guard.get_inner())?;
                if events.send(Event::WallClockChanged).is_err() {
                    return Ok(());
                }
            }
            Err(rustix::io::Errno::AGAIN) => guard.clear_ready(),
            // The far-future expiry fired (it cannot before 2262) or a stray read: re-arm.
            Ok(_) => arm_again(guard.get_inner())?,
            Err(e) => return Err(e.into()),
        }
    }
}

fn arm(fd: OwnedFd) -> io::Result<OwnedFd> {
    arm_again(&fd)?;
    Ok(fd)
}

/// An absolute expiry far in the future, cancelled whenever the clock is set.
fn arm_again(fd: &OwnedFd) -> io::Result<()> {
    let far = Itimerspec {
        it_interval: Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
        it_value: Timespec {
            tv_sec: i64::MAX / 2,
            tv_nsec: 0,
        },
    };
    timerfd_settime(
        fd,
        TimerfdTimerFlags::ABSTIME | TimerfdTimerFlags::CANCEL_ON_SET,
        &far,
    )?;
    Ok(())
}
