//! The tray item itself, on a thread of its own. tray-icon's Linux backend (ksni) answers the
//! panel from its own executor and blocks while it updates, and its menu is not `Send`; so
//! one thread owns the item, takes [`View`]s from the agent and applies what changed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;

use tokio::sync::mpsc;
use tray_icon::menu::MenuEvent;
use tray_icon::{Icon, MouseButton, TrayIcon, TrayIconBuilder, TrayIconEvent};

use super::icons::{Glyph, SIZE};
use super::menu::{Action, build};
use super::view::View;

/// The item's id, part of the name it is registered under.
pub const ITEM_ID: &str = "clockoff";

pub struct Host {
    views: Option<std_mpsc::Sender<View>>,
    thread: Option<JoinHandle<()>>,
    /// Set when the agent exits: the item is left to go with the process.
    leave_at_exit: Arc<AtomicBool>,
}

impl Host {
    /// Shows the item; fails if it cannot be served on the session bus. The runtime is the
    /// agent's: the item's D-Bus connection (zbus on tokio) runs its I/O there.
    pub fn start(
        first: View,
        actions: mpsc::UnboundedSender<Action>,
        runtime: tokio::runtime::Handle,
    ) -> Result<Host, String> {
        let (views, incoming) = std_mpsc::channel::<View>();
        let (started_tx, started) = std_mpsc::channel();
        let leave_at_exit = Arc::new(AtomicBool::new(false));
        let leave = leave_at_exit.clone();
        let thread = std::thread::Builder::new()
            .name("clockoff-tray".into())
            .spawn(move || {
                let _runtime = runtime.enter();
                let clicks = actions.clone();
                MenuEvent::set_event_handler(Some(move |event: MenuEvent| {
                    if let Some(action) = Action::from_id(event.id()) {
                        let _ = actions.send(action);
                    }
                }));
                // A left click on the icon opens the week, as its first menu item would.
                TrayIconEvent::set_event_handler(Some(move |event: TrayIconEvent| {
                    if let TrayIconEvent::Click {
                        button: MouseButton::Left,
                        ..
                    } = event
                    {
                        let _ = clicks.send(Action::OpenWeek);
                    }
                }));
                match show(&first) {
                    Ok(tray) => {
                        let _ = started_tx.send(Ok(()));
                        let tray = serve(tray, first, incoming);
                        if leave.load(Ordering::Acquire) {
                            // The agent is exiting: the item leaves the panel with the
                            // process's bus connection. Dropped, ksni's service thread (which
                            // has no tokio runtime) would end zbus's tasks and panic on it.
                            std::mem::forget(tray);
                        }
                    }
                    Err(e) => {
                        let _ = started_tx.send(Err(e));
                    }
                }
                MenuEvent::set_event_handler(None::<fn(MenuEvent)>);
                TrayIconEvent::set_event_handler(None::<fn(TrayIconEvent)>);
            })
            .map_err(|e| format!("starting the tray thread: {e}"))?;
        match started.recv() {
            Ok(Ok(())) => Ok(Host {
                views: Some(views),
                thread: Some(thread),
                leave_at_exit,
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => Err("the tray thread stopped while starting".into()),
        }
    }

    pub fn show(&self, view: View) {
        if let Some(views) = &self.views {
            let _ = views.send(view);
        }
    }

    /// Takes the item away (it unregisters from the panel) and waits for the thread. With
    /// `exiting`, the item is not shut down but left to go with the process (see `start`).
    pub fn stop(mut self, exiting: bool) {
        self.leave_at_exit.store(exiting, Ordering::Release);
        self.views = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn icon(glyph: Glyph) -> Icon {
    Icon::from_rgba(glyph.rgba().to_vec(), SIZE, SIZE).expect("the pixmaps are SIZE x SIZE RGBA")
}

fn show(view: &View) -> Result<TrayIcon, String> {
    let menu = build(view).map_err(|e| format!("building the tray menu: {e}"))?;
    TrayIconBuilder::new()
        .with_id(ITEM_ID)
        .with_icon(icon(view.glyph))
        .with_title(&view.title)
        .with_tooltip(&view.tooltip)
        .with_menu(Box::new(menu))
        .build()
        .map_err(|e| format!("showing the tray item: {e}"))
}

/// Applies each new view until the agent drops its sender; only what changed is sent on, so
/// the panel is not asked to redraw for nothing. Gives the item back at the end.
fn serve(tray: TrayIcon, mut shown: View, incoming: std_mpsc::Receiver<View>) -> TrayIcon {
    while let Ok(mut next) = incoming.recv() {
        // Only the latest matters when several queued up.
        while let Ok(later) = incoming.try_recv() {
            next = later;
        }
        if next.glyph != shown.glyph {
            let _ = tray.set_icon(Some(icon(next.glyph)));
        }
        if next.title != shown.title {
            tray.set_title(Some(&next.title));
        }
        if next.tooltip != shown.tooltip || next.title != shown.title {
            let _ = tray.set_tooltip(Some(&next.tooltip));
        }
        if next.title != shown.title || next.offers != shown.offers || next.team != shown.team {
            match build(&next) {
                Ok(menu) => tray.set_menu(Some(Box::new(menu))),
                Err(e) => tracing::warn!("building the tray menu: {e}"),
            }
        }
        shown = next;
    }
    tray
}
