//! Every event type hookwire knows: its family, a one-line description and a sample payload
//! (for "send test event" buttons and for tests).

use std::array;
use std::sync::OnceLock;

use super::{Event, Family};
use crate::Error;

/// One known event type.
///
/// ```
/// let info = hookwire::lookup("order.created").unwrap();
/// assert_eq!(info.family, hookwire::Family::Order);
/// assert_eq!(info.description, "A new order was placed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTypeInfo {
    /// The type string, e.g. `order.created`.
    pub name: &'static str,
    /// Which typed payload it carries.
    pub family: Family,
    /// One line for people.
    pub description: &'static str,
    /// A sample `data` object, as JSON text.
    pub sample_data: &'static str,
}

const fn t(
    name: &'static str,
    family: Family,
    description: &'static str,
    sample_data: &'static str,
) -> EventTypeInfo {
    EventTypeInfo { name, family, description, sample_data }
}

use Family::{Device as D, Job as J, Order as O, Other as X, User as U};

const DEVICE: &str = r#"{"device_id":"device_12345","device_name":"Signals","model":"Signals","battery_level":85,"signal_strength":92,"is_online":true,"status":"online","last_seen":"2025-07-20T14:30:00Z"}"#;
const ORDER: &str = r#"{"id":1001,"order_number":"ORD-2025-001","restaurant_id":1,"customer_id":456,"status":"pending","total_amount":45.99,"items":[{"id":1,"menu_item_id":10,"quantity":2,"price":12.99,"modifiers":[]}],"created_at":"2025-08-08T10:00:00Z"}"#;
const JOB: &str = r#"{"id":123,"type":"config_backup","status":"success","requested_at":"2025-12-02T00:59:00Z","started_at":"2025-12-02T00:59:05Z","finished_at":"2025-12-02T01:00:00Z","target_summary":{"device_count":5},"result_summary":{"backed_up":5}}"#;
const USER: &str = r#"{"user_id":123,"email":"user@example.com","created_at":"2025-01-26T12:00:00Z"}"#;

/// Sorted by name (a test checks it), so lookups can binary-search.
static CATALOG: &[EventTypeInfo] = &[
    t(
        "alert.resolved",
        X,
        "A monitoring alert cleared",
        r#"{"alert_id":"alrt_1","severity":"critical","resolved_at":"2025-01-26T12:10:00Z"}"#,
    ),
    t(
        "alert.triggered",
        X,
        "A monitoring alert fired",
        r#"{"alert_id":"alrt_1","severity":"critical","message":"CPU above 90%"}"#,
    ),
    t(
        "chef.approved",
        X,
        "An administrator approved a chef",
        r#"{"chef_id":"chef_789","approved_at":"2024-01-15T10:30:00Z"}"#,
    ),
    t(
        "compliance.check_completed",
        X,
        "A compliance check finished",
        r#"{"check_id":77,"device_count":12,"violations":0}"#,
    ),
    t(
        "compliance.violation_detected",
        X,
        "A compliance check found a violation",
        r#"{"check_id":77,"device":"core-sw-1","rule":"ssh-v2-only"}"#,
    ),
    t(
        "config.backup_created",
        X,
        "A configuration backup was taken",
        r#"{"device":"core-sw-1","backup_id":991}"#,
    ),
    t("config.changed", X, "Configuration drift was detected", r#"{"device":"core-sw-1","diff_lines":4}"#),
    t(
        "config.deployed",
        X,
        "A configuration was deployed to a device",
        r#"{"device":"core-sw-1","revision":12}"#,
    ),
    t(
        "delivery.assigned",
        X,
        "A delivery partner was assigned to an order",
        r#"{"order_id":"order_123","driver_id":"drv_9"}"#,
    ),
    t("device.alert", D, "A device raised an alert", DEVICE),
    t("device.created", D, "A device was added to the inventory", DEVICE),
    t("device.deleted", D, "A device was removed", DEVICE),
    t("device.offline", D, "A device stopped responding", DEVICE),
    t("device.online", D, "A device came online", DEVICE),
    t("device.registered", D, "An edge device registered itself", DEVICE),
    t("device.status_changed", D, "A device's reachability or status changed", DEVICE),
    t(
        "device.temperature",
        D,
        "A device reported probe temperatures",
        r#"{"device_id":"device_12345","device_name":"Signals","model":"Signals","battery_level":85,"signal_strength":92,"is_online":true,"probes":[{"probe_id":"1","temperature":225.5,"unit":"F","timestamp":"2025-07-20T14:30:00Z"},{"probe_id":"2","temperature":135.2,"unit":"F","timestamp":"2025-07-20T14:30:00Z"}]}"#,
    ),
    t("device.updated", D, "A device's attributes changed", DEVICE),
    t(
        "inventory.low_stock",
        X,
        "Stock fell below its threshold",
        r#"{"item_id":301,"item_name":"Tomatoes","current_quantity":5.0,"unit":"kg","threshold":10.0,"restaurant_id":1}"#,
    ),
    t(
        "inventory.out_of_stock",
        X,
        "Stock reached zero",
        r#"{"item_id":301,"item_name":"Tomatoes","affected_menu_items":[10,15,22],"restaurant_id":1}"#,
    ),
    t(
        "invoice.created",
        X,
        "An invoice was issued",
        r#"{"invoice_id":"inv_1","amount":49.00,"currency":"USD"}"#,
    ),
    t(
        "invoice.overdue",
        X,
        "An invoice is past due",
        r#"{"invoice_id":"inv_1","amount":49.00,"due_date":"2025-02-01"}"#,
    ),
    t(
        "invoice.paid",
        X,
        "An invoice was paid",
        r#"{"invoice_id":"inv_1","amount":49.00,"paid_at":"2025-01-27T09:00:00Z"}"#,
    ),
    t("job.completed", J, "A job finished successfully", JOB),
    t(
        "job.created",
        J,
        "A job was created",
        r#"{"id":123,"type":"config_backup","status":"pending","requested_at":"2025-12-02T00:59:00Z"}"#,
    ),
    t(
        "job.failed",
        J,
        "A job failed",
        r#"{"id":124,"type":"config_deploy","status":"failed","requested_at":"2025-12-02T00:59:00Z","finished_at":"2025-12-02T01:00:00Z","result_summary":{"error":"timeout"}}"#,
    ),
    t(
        "job.started",
        J,
        "A job began executing",
        r#"{"id":123,"type":"config_backup","status":"running","requested_at":"2025-12-02T00:59:00Z","started_at":"2025-12-02T00:59:05Z"}"#,
    ),
    t(
        "order.cancelled",
        O,
        "An order was cancelled",
        r#"{"order_id":"order_123","customer_id":"customer_456","status":"cancelled"}"#,
    ),
    t(
        "order.completed",
        O,
        "An order was completed",
        r#"{"id":1001,"order_number":"ORD-2025-001","status":"completed","completed_at":"2025-08-08T10:20:00Z","total_time_minutes":20}"#,
    ),
    t("order.created", O, "A new order was placed", ORDER),
    t(
        "order.updated",
        O,
        "An order changed (status, items, ...)",
        r#"{"id":1001,"order_number":"ORD-2025-001","status":"preparing","previous_status":"pending","updated_fields":["status","preparation_time"],"preparation_time":15,"updated_at":"2025-08-08T10:05:00Z"}"#,
    ),
    t("organization.created", X, "An organization was created", r#"{"org_id":"org_1","name":"Acme"}"#),
    t("organization.deleted", X, "An organization was deleted", r#"{"org_id":"org_1"}"#),
    t("organization.updated", X, "An organization changed", r#"{"org_id":"org_1","name":"Acme Corp"}"#),
    t(
        "payment.completed",
        X,
        "A payment was processed",
        r#"{"id":2001,"order_id":1001,"amount":45.99,"payment_method":"card","status":"completed","processor":"stripe","processor_payment_id":"pi_1234567890","processed_at":"2025-08-08T10:21:00Z"}"#,
    ),
    t(
        "payment.failed",
        X,
        "A payment failed",
        r#"{"payment_id":"pay_1","amount":45.99,"reason":"card_declined"}"#,
    ),
    t(
        "payment.refunded",
        X,
        "A payment was refunded",
        r#"{"id":2001,"order_id":1001,"refund_amount":45.99,"refund_reason":"customer_request","refund_id":"ref_987654321","refunded_at":"2025-08-08T11:00:00Z"}"#,
    ),
    t(
        "payment.succeeded",
        X,
        "A payment succeeded",
        r#"{"payment_id":"pay_1","amount":45.99,"currency":"USD"}"#,
    ),
    t(
        "payment.success",
        X,
        "A payment succeeded (HomeChef's name)",
        r#"{"payment_id":"pay_1","order_id":"order_123","amount":45.99}"#,
    ),
    t(
        "pos.sync_completed",
        X,
        "A point-of-sale synchronisation finished",
        r#"{"sync_id":"sync_456","pos_system":"square","items_synced":150,"orders_synced":45,"sync_duration_seconds":12,"restaurant_id":1}"#,
    ),
    t(
        "pos.sync_failed",
        X,
        "A point-of-sale synchronisation failed",
        r#"{"sync_id":"sync_457","pos_system":"square","error_code":"POS_CONNECTION_FAILED","error_message":"Unable to connect to Square API","retry_count":3,"restaurant_id":1}"#,
    ),
    t(
        "staff.clocked_in",
        X,
        "A staff member clocked in",
        r#"{"staff_id":101,"staff_name":"John Doe","clock_in_time":"2025-08-08T08:00:00Z","scheduled_start":"2025-08-08T08:00:00Z","restaurant_id":1}"#,
    ),
    t(
        "staff.shift_alert",
        X,
        "A shift alert (late arrival, no-show)",
        r#"{"alert_type":"late_arrival","staff_id":102,"staff_name":"Jane Smith","scheduled_start":"2025-08-08T08:00:00Z","minutes_late":15,"restaurant_id":1}"#,
    ),
    t(
        "subscription.cancelled",
        X,
        "A subscription was cancelled",
        r#"{"subscription_id":"sub_1","plan":"pro"}"#,
    ),
    t("subscription.created", X, "A subscription was created", r#"{"subscription_id":"sub_1","plan":"pro"}"#),
    t(
        "subscription.payment_failed",
        X,
        "A subscription payment failed",
        r#"{"subscription_id":"sub_1","amount":49.00}"#,
    ),
    t(
        "subscription.renewed",
        X,
        "A subscription renewed",
        r#"{"subscription_id":"sub_1","period_end":"2025-02-26T00:00:00Z"}"#,
    ),
    t(
        "subscription.updated",
        X,
        "A subscription changed plan or quantity",
        r#"{"subscription_id":"sub_1","plan":"enterprise"}"#,
    ),
    t(
        "tip.received",
        X,
        "A chef or driver received a tip",
        r#"{"tip_id":"tip_1","order_id":"order_123","amount":5.00,"recipient":"chef_789"}"#,
    ),
    t("user.created", U, "A user registered", USER),
    t("user.deleted", U, "A user was deleted", r#"{"user_id":123}"#),
    t("user.email_verified", U, "A user verified their e-mail address", USER),
    t(
        "user.login",
        U,
        "A user logged in",
        r#"{"user_id":123,"email":"user@example.com","ip":"203.0.113.7"}"#,
    ),
    t("user.logout", U, "A user logged out", r#"{"user_id":123}"#),
    t("user.password_changed", U, "A user changed their password", r#"{"user_id":123}"#),
    t(
        "user.profile_updated",
        U,
        "A user edited their profile",
        r#"{"user_id":123,"updated_fields":["display_name"]}"#,
    ),
    t("user.updated", U, "A user's account changed", USER),
];

/// Every event type hookwire knows, sorted by name.
///
/// ```
/// let catalog = hookwire::catalog();
/// assert!(catalog.iter().any(|t| t.name == "order.created"));
/// ```
pub fn catalog() -> &'static [EventTypeInfo] {
    CATALOG
}

/// The catalog entry of `name`, if hookwire knows that type.
///
/// Every typed parse asks it once (the type's family). A name is compared only with the
/// catalog's names of its length (one to eight of them), last byte first: 4–8 ns a look-up,
/// where a binary search over the sorted catalog made six ordered comparisons, each a `memcmp`
/// call, 58 ns (2–3 % of Node's `parseEvent` of the order event).
pub fn lookup(name: &str) -> Option<&'static EventTypeInfo> {
    static BY_LENGTH: OnceLock<[Vec<u8>; LONGEST + 1]> = OnceLock::new();
    let by_length = BY_LENGTH.get_or_init(|| {
        array::from_fn(|length| {
            (0..CATALOG.len())
                .filter(|&at| CATALOG[at].name.len() == length)
                .filter_map(|at| u8::try_from(at).ok())
                .collect()
        })
    });
    let last = name.as_bytes().last();
    by_length
        .get(name.len())?
        .iter()
        .map(|&at| &CATALOG[usize::from(at)])
        .find(|info| info.name.as_bytes().last() == last && info.name == name)
}

/// No name in [`CATALOG`] is longer (a test checks): [`lookup`] does not look for longer ones.
const LONGEST: usize = 32;

/// A test event of type `name` with the catalog's sample payload (`unknown_event_type` for a
/// type hookwire does not know).
///
/// ```
/// let event = hookwire::sample("order.created")?;
/// let hookwire::Payload::Order(order) = event.payload() else { unreachable!() };
/// assert_eq!(order.total_amount.as_ref().unwrap().as_str(), "45.99");
/// # Ok::<(), hookwire::Error>(())
/// ```
pub fn sample(name: &str) -> Result<Event, Error> {
    let info = lookup(name).ok_or_else(|| Error::UnknownEventType { event_type: name.to_owned() })?;
    let id = format!("evt_test_{}", info.name.replace('.', "_"));
    let data = super::json::Json::parse(info.sample_data)?;
    let mut event = Event::from_data(info.name, &data)?.with_id(id)?;
    event.set_timestamp(Some("2025-08-08T10:00:00Z".parse()?));
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_sorted_unique_and_every_sample_parses() {
        assert!(CATALOG.windows(2).all(|w| w[0].name < w[1].name), "keep CATALOG sorted");
        for info in CATALOG {
            let event = sample(info.name).unwrap_or_else(|e| panic!("{}: {e}", info.name));
            assert_eq!(event.family(), info.family, "{}", info.name);
            assert_eq!(lookup(info.name), Some(info));
        }
        assert_eq!(CATALOG.len(), 57);
        assert!(lookup("order.refunded").is_none());
    }

    #[test]
    fn lookup_answers_as_a_search_of_the_whole_catalog() {
        // Every name `lookup` indexes fits its table (a longer one would never be found).
        assert!(CATALOG.iter().all(|info| info.name.len() <= LONGEST) && CATALOG.len() <= 256);
        let mut names: Vec<String> = CATALOG.iter().map(|info| info.name.to_owned()).collect();
        // Near misses of every name: each byte changed, cut, grown; the same length, another last
        // byte; and the empty name and names past the longest.
        for info in CATALOG {
            let bytes = info.name.as_bytes();
            for at in 0..bytes.len() {
                let mut changed = bytes.to_vec();
                changed[at] ^= 1;
                names.push(String::from_utf8_lossy(&changed).into_owned());
            }
            names.push(info.name[..info.name.len() - 1].to_owned());
            names.push(format!("{}x", info.name));
            names.push(info.name.to_uppercase());
        }
        names.extend(["".to_owned(), "x".repeat(LONGEST), "x".repeat(LONGEST + 1), "é".repeat(40)]);
        for name in &names {
            let expected = CATALOG.iter().find(|info| info.name == name.as_str());
            assert_eq!(lookup(name), expected, "{name:?}");
        }
    }
}
