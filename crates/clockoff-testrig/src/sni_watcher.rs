//! A panel, as far as a tray item can tell: a fake `org.kde.StatusNotifierWatcher` with the
//! interface and behaviour of Plasma's (plasma-workspace statusnotifierwatcher): an item
//! registers by bus name (path `/StatusNotifierItem`) or by object path (the caller's unique
//! name), is listed as `service + path`, is announced with `StatusNotifierItemRegistered`,
//! and is dropped when its owner leaves the bus; a host is always registered. And the host's
//! side: reading an item's properties and menu (com.canonical.dbusmenu) and clicking it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use zbus::message::Header;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{OwnedValue, Value};
use zbus::{Connection, interface};

use super::DbusDaemon;

pub const NAME: &str = "org.kde.StatusNotifierWatcher";
const PATH: &str = "/StatusNotifierWatcher";
const ITEM_INTERFACE: &str = "org.kde.StatusNotifierItem";
const MENU_INTERFACE: &str = "com.canonical.dbusmenu";

type Items = Arc<Mutex<Vec<(String, String)>>>;
/// (width, height, ARGB32 bytes)
type Pixmap = (i32, i32, Vec<u8>);
/// StatusNotifierItem's ToolTip: (icon name, pixmaps, title, description).
type ToolTip = (String, Vec<Pixmap>, String, String);

pub struct Watcher {
    conn: Connection,
    /// (entry as listed, owner's unique name)
    items: Items,
    leavers: tokio::task::JoinHandle<()>,
}

struct Server {
    items: Items,
}

#[interface(name = "org.kde.StatusNotifierWatcher")]
impl Server {
    async fn register_status_notifier_item(
        &self,
        service: String,
        #[zbus(header)] header: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        let entry = if service.starts_with('/') {
            format!("{sender}{service}")
        } else {
            format!("{service}/StatusNotifierItem")
        };
        {
            let mut items = self.items.lock().unwrap();
            if items.iter().any(|(e, _)| *e == entry) {
                return;
            }
            items.push((entry.clone(), sender));
        }
        let _ = Self::status_notifier_item_registered(&emitter, &entry).await;
    }

    async fn register_status_notifier_host(&self, _service: String) {}

    #[zbus(property)]
    async fn registered_status_notifier_items(&self) -> Vec<String> {
        let items = self.items.lock().unwrap();
        items.iter().map(|(e, _)| e.clone()).collect()
    }

    #[zbus(property)]
    async fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    async fn protocol_version(&self) -> i32 {
        0
    }

    #[zbus(signal)]
    async fn status_notifier_item_registered(
        emitter: &SignalEmitter<'_>,
        service: &str,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn status_notifier_item_unregistered(
        emitter: &SignalEmitter<'_>,
        service: &str,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn status_notifier_host_registered(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;
}

impl Watcher {
    pub async fn start(bus: &DbusDaemon) -> Watcher {
        let items: Items = Arc::default();
        let conn = zbus::connection::Builder::address(bus.address())
            .and_then(|b| {
                b.name(NAME).and_then(|b| {
                    b.serve_at(
                        PATH,
                        Server {
                            items: items.clone(),
                        },
                    )
                })
            })
            .expect("fake watcher builder")
            .build()
            .await
            .expect("fake StatusNotifierWatcher on the bus");
        let dbus = zbus::fdo::DBusProxy::new(&conn).await.expect("DBus proxy");
        let changes = dbus
            .receive_name_owner_changed()
            .await
            .expect("NameOwnerChanged");
        let leavers = tokio::spawn(drop_leavers(changes, items.clone()));
        Watcher {
            conn,
            items,
            leavers,
        }
    }

    /// Waits until an item is registered and returns a handle on it.
    pub async fn item(&self) -> Item {
        let started = std::time::Instant::now();
        loop {
            if let Some((entry, _)) = self.items.lock().unwrap().first().cloned() {
                let (service, path) = entry.split_at(entry.find('/').expect("service/path"));
                return Item {
                    conn: self.conn.clone(),
                    service: service.to_owned(),
                    path: path.to_owned(),
                };
            }
            assert!(
                started.elapsed() < super::DEADLINE,
                "no tray item registered"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    pub fn registered(&self) -> Vec<String> {
        let items = self.items.lock().unwrap();
        items.iter().map(|(e, _)| e.clone()).collect()
    }

    /// Leaves the bus, as a panel that exits does.
    pub async fn stop(self) {
        self.leavers.abort();
        let _ = self.conn.close().await;
    }
}

async fn drop_leavers(mut changes: zbus::fdo::NameOwnerChangedStream, items: Items) {
    while let Some(change) = changes.next().await {
        let Ok(args) = change.args() else { continue };
        if args.new_owner().is_none() {
            let gone = args.name().to_string();
            items.lock().unwrap().retain(|(_, owner)| *owner != gone);
        }
    }
}

/// A registered item, seen from the panel.
pub struct Item {
    conn: Connection,
    pub service: String,
    path: String,
}

/// One node of the item's menu.
#[derive(Debug, Clone)]
pub struct MenuNode {
    pub id: i32,
    pub label: String,
    pub enabled: bool,
    pub kind: String,
    pub children: Vec<MenuNode>,
}

impl MenuNode {
    /// Depth first: the node with this label.
    pub fn find(&self, label: &str) -> Option<&MenuNode> {
        if self.label == label {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(label))
    }

    /// Labels of the visible entries, submenus indented, separators as "--".
    pub fn outline(&self) -> Vec<String> {
        let mut out = Vec::new();
        for child in &self.children {
            if child.kind == "separator" {
                out.push("--".into());
                continue;
            }
            let disabled = if child.enabled { "" } else { " (disabled)" };
            out.push(format!("{}{disabled}", child.label));
            out.extend(child.outline().into_iter().map(|l| format!("  {l}")));
        }
        out
    }
}

impl Item {
    /// The item's change signals (NewIcon, NewToolTip, NewTitle, ...), as a panel hears them.
    pub async fn changes(&self) -> zbus::MessageStream {
        let rule = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .sender(self.service.as_str())
            .expect("a bus name")
            .interface(ITEM_INTERFACE)
            .expect("an interface name")
            .build();
        zbus::MessageStream::for_match_rule(rule, &self.conn, None)
            .await
            .expect("subscribe to the item's signals")
    }

    pub async fn properties(&self) -> HashMap<String, OwnedValue> {
        let reply = self
            .conn
            .call_method(
                Some(self.service.as_str()),
                self.path.as_str(),
                Some("org.freedesktop.DBus.Properties"),
                "GetAll",
                &ITEM_INTERFACE,
            )
            .await
            .expect("GetAll org.kde.StatusNotifierItem");
        reply.body().deserialize().expect("a{sv}")
    }

    pub async fn string(&self, property: &str) -> String {
        let props = self.properties().await;
        let value = props
            .get(property)
            .unwrap_or_else(|| panic!("no {property}"));
        String::try_from(value.try_clone().unwrap()).expect("a string property")
    }

    /// ToolTip's (title, description).
    pub async fn tooltip(&self) -> (String, String) {
        let props = self.properties().await;
        let value = props.get("ToolTip").expect("ToolTip").try_clone().unwrap();
        let (_icon, _pixmaps, title, description): ToolTip =
            value.try_into().expect("ToolTip is (sa(iiay)ss)");
        (title, description)
    }

    /// IconPixmap: (width, height, ARGB32 bytes) for each size offered.
    pub async fn pixmaps(&self) -> Vec<Pixmap> {
        let props = self.properties().await;
        let value = props
            .get("IconPixmap")
            .expect("IconPixmap")
            .try_clone()
            .unwrap();
        value.try_into().expect("IconPixmap is a(iiay)")
    }

    async fn menu_path(&self) -> String {
        let props = self.properties().await;
        let value = props.get("Menu").expect("Menu").try_clone().unwrap();
        zbus::zvariant::OwnedObjectPath::try_from(value)
            .expect("Menu is an object path")
            .to_string()
    }

    pub async fn layout(&self) -> MenuNode {
        let path = self.menu_path().await;
        let reply = self
            .conn
            .call_method(
                Some(self.service.as_str()),
                path.as_str(),
                Some(MENU_INTERFACE),
                "GetLayout",
                &(0i32, -1i32, Vec::<String>::new()),
            )
            .await
            .expect("GetLayout");
        let body = reply.body();
        let (_revision, root): (u32, Node) = body.deserialize().expect("(u(ia{sv}av))");
        node(root)
    }

    /// Clicks the entry with this label, as a panel does.
    /// A left click on the icon, as a panel sends it (`Activate`).
    pub async fn activate(&self) {
        self.conn
            .call_method(
                Some(self.service.as_str()),
                self.path.as_str(),
                Some(ITEM_INTERFACE),
                "Activate",
                &(0i32, 0i32),
            )
            .await
            .expect("Activate");
    }

    pub async fn click(&self, label: &str) {
        let layout = self.layout().await;
        let id = layout
            .find(label)
            .unwrap_or_else(|| panic!("no \"{label}\" in {:?}", layout.outline()))
            .id;
        let path = self.menu_path().await;
        self.conn
            .call_method(
                Some(self.service.as_str()),
                path.as_str(),
                Some(MENU_INTERFACE),
                "Event",
                &(id, "clicked", Value::from(0i32), 0u32),
            )
            .await
            .expect("Event clicked");
    }
}

/// A dbusmenu layout node: (id, properties, children as variants of nodes).
type Node = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);

/// Waits for each of these signal members on `changes`, in any order.
pub async fn heard(changes: &mut zbus::MessageStream, members: &[&str]) {
    if tokio::time::timeout(super::DEADLINE, heard_all(changes, members))
        .await
        .is_err()
    {
        panic!("the item never sent {members:?}");
    }
}

/// [`heard`] with no deadline of its own: for a listener started before a change whose
/// deadline should run from when the change is seen.
pub async fn heard_all(changes: &mut zbus::MessageStream, members: &[&str]) {
    let mut missing: Vec<&str> = members.to_vec();
    while !missing.is_empty() {
        let Some(Ok(message)) = changes.next().await else {
            panic!("the item's signals ended");
        };
        let header = message.header();
        if let Some(member) = header.member() {
            missing.retain(|m| *m != member.as_str());
        }
    }
}

fn node((id, props, children): Node) -> MenuNode {
    let text = |key: &str| {
        props
            .get(key)
            .and_then(|v| String::try_from(v.try_clone().unwrap()).ok())
    };
    MenuNode {
        id,
        label: text("label").unwrap_or_default(),
        enabled: props
            .get("enabled")
            .and_then(|v| bool::try_from(v.try_clone().unwrap()).ok())
            .unwrap_or(true),
        kind: text("type").unwrap_or_else(|| "standard".into()),
        children: children
            .into_iter()
            .map(|child| node(Node::try_from(child).expect("a child is (ia{sv}av)")))
            .collect(),
    }
}
