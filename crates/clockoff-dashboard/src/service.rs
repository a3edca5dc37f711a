//! What the service is configured with, as the release rule, the history and the handlers
//! read it: the organisation, k, and how many weeks reports are accepted for. Apart from the
//! HTTP layer, which only carries it.

use crate::org::Org;
use crate::rule::release::Threshold;

#[derive(Debug, Clone)]
pub struct Service {
    pub org: Org,
    pub k: Threshold,
    pub weeks_accepted: u32,
}
