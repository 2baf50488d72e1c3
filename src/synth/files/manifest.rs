//! The case manifest, `case.toml`: the windows, the attribution settings (with the declared
//! legitimate campaigns), one input per evidence file, and the profiles that read each format.

use crate::synth::fmt;
use crate::synth::world::{World, CARRIERS, VENDORS};

/// The case manifest: the settings, one input per evidence file, the profiles.
pub(crate) fn case_toml(w: &World, world_name: &str) -> String {
    let mut s = settings(w, world_name);
    s.push_str(&inputs(w));
    s.push_str(PROFILES);
    s
}

/// The windows of every world: the incident on election day, the two weeks before as baseline,
/// the production orders over both.
const WINDOWS: &str = "[windows]\n\
    incident = { start = \"2011-05-02T00:00:00-04:00\", end = \"2011-05-03T00:00:00-04:00\" }\n\
    baseline = { start = \"2011-04-18T00:00:00-04:00\", end = \"2011-05-02T00:00:00-04:00\" }\n\
    orders   = { start = \"2011-04-18T00:00:00-04:00\", end = \"2011-05-03T00:00:00-04:00\" }\n\n";

/// The manifest's head: who wrote it, `[case]`, `[windows]`, `[attribution]` (with the
/// declared legitimate campaigns) and `[identifications]`.
fn settings(w: &World, world_name: &str) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "# A synthetic case written by `callsift synth --seed {} --scale {} --world {}`.\n\
         # Every file here is evidence; truth.json (the planted answer) is for `callsift eval`\n\
         # and tests only, and the engine never reads it.\n\n",
        w.seed, w.scale, world_name
    ));
    s.push_str(&format!(
        "[case]\nname = \"Synthetic world (seed {}, scale {}, {})\"\n\
         time_zone = \"America/Toronto\"\n\n",
        w.seed, w.scale, world_name
    ));
    s.push_str(WINDOWS);
    let legit: Vec<String> = w
        .campaigns
        .iter()
        .filter(|c| !c.misleading)
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    s.push_str(&format!(
        "[attribution]\ntolerance_s = 120\noffset_window_s = 600\n\
         # The party's own campaigns, declared: numbers attributed to them are marked explained.\n\
         legitimate_campaigns = [{}]\n\n\
         [identifications]\n\
         # The party's own supporters' code: every other code is an opponent.\n\
         own_codes = [\"A\"]\n\n",
        legit.join(", ")
    ));
    s
}

/// One `[[inputs]]` entry per evidence file (or glob of files) the world writes.
fn inputs(w: &World) -> String {
    let mut s = String::new();
    for (label, glob, profile) in [
        (CARRIERS[0], "carriers/ontario-tel-*.csv", "ontario"),
        (CARRIERS[1], "carriers/western-wireless-*.csv", "western"),
        (CARRIERS[2], "carriers/quebec-telecom-*.csv", "quebec"),
    ] {
        s.push_str(&format!(
            "[[inputs]]\nkind = \"calls\"\npath = \"{glob}\"\nprofile = \"{profile}\"\nlabel = \"{label}\"\n\n"
        ));
    }
    s.push_str(
        "[[inputs]]\nkind = \"complainants\"\npath = \"complainants.csv\"\nprofile = \"complaints\"\n\n\
         [[inputs]]\nkind = \"subscribers\"\npath = \"subscriber-returns.csv\"\nprofile = \"subscriber-returns\"\n\n",
    );
    for c in &w.campaigns {
        let parts = std::iter::once((&c.upload, c.upload_time))
            .chain(c.split.as_ref().map(|x| (&x.upload, x.time)));
        for (stem, time) in parts {
            let mut up = Vec::new();
            fmt::local_stamp(&mut up, w.zones[0].local(time));
            s.push_str(&format!(
                "[[inputs]]\nkind = \"vendor_list\"\npath = \"{}/{stem}.csv\"\nprofile = \"vendor-upload\"\n\
                 set = {{ vendor = \"{}\", account = \"{}\", uploaded = \"{}\", campaign = \"{}\" }}\n\n",
                super::party::upload_dir(c.vendor),
                VENDORS[c.vendor],
                c.vendor_account,
                String::from_utf8_lossy(&up),
                c.name
            ));
        }
    }
    for (v, name) in VENDORS.iter().enumerate().take(w.vendors()) {
        s.push_str(&format!(
            "[[inputs]]\nkind = \"vendor_calls\"\npath = \"{}/*.jsonl\"\nprofile = \"robodial-log\"\nlabel = \"{name}\"\n\n",
            super::party::outbound_dir(v)
        ));
    }
    for (v, name) in VENDORS.iter().enumerate().take(w.vendors()) {
        s.push_str(&format!(
            "[[inputs]]\nkind = \"campaigns\"\npath = \"{}\"\nprofile = \"registry\"\nlabel = \"{name}\"\n\n",
            super::party::registry_path(v)
        ));
    }
    s.push_str(
        "[[inputs]]\nkind = \"watchlist\"\npath = \"watchlists/political-telemarketers.csv\"\nprofile = \"wl-telemarketers\"\n\
         label = \"political telemarketers' call logs\"\nset = { list_kind = \"telemarketer\" }\n\n\
         [[inputs]]\nkind = \"watchlist\"\npath = \"watchlists/political-entities.jsonl\"\nprofile = \"wl-entities\"\n\
         label = \"numbers used by political entities\"\nset = { list_kind = \"political_entity\" }\n\n\
         [[inputs]]\nkind = \"watchlist\"\npath = \"watchlists/regulator-suspects.tsv\"\nprofile = \"wl-regulator\"\n\
         label = \"regulator suspect numbers\"\nset = { list_kind = \"regulator_suspect\" }\n\n\
         [[inputs]]\nkind = \"watchlist\"\npath = \"watchlists/antifraud-centre.csv\"\nprofile = \"wl-antifraud\"\n\
         label = \"anti-fraud centre numbers\"\nset = { list_kind = \"fraud_suspect\" }\n\n\
         [[inputs]]\nkind = \"downloads\"\npath = \"party-db-downloads.csv\"\nprofile = \"party-db\"\n\n\
         [[inputs]]\nkind = \"identifications\"\npath = \"party-db-identifications.csv\"\nprofile = \"party-db-ids\"\n\n\
         [[inputs]]\nkind = \"population\"\npath = \"population.csv\"\n\n\
         [[inputs]]\nkind = \"numbering_plan\"\npath = \"numbering-plan.csv\"\n\n",
    );
    s
}

const PROFILES: &str = r#"# Ontario Tel: CRLF, every field quoted, local Toronto time in two columns, (519) 555-0101.
[profiles.ontario]
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d %H:%M:%S"]
duration = "s"
blocked_tokens = ["NO CID"]
[profiles.ontario.columns]
called = "Subscriber Number"
calling = "Originating Number"
start = ["Call Date", "Call Time"]
duration = "Duration (s)"

# Western Wireless: UTC ISO-8601, E.164, mm:ss; one file per month (and part).
[profiles.western]
time_zone = "UTC"
timestamp_formats = ["%Y-%m-%dT%H:%M:%SZ"]
duration = "mm:ss"
[profiles.western.columns]
called = "called_e164"
calling = "calling_e164"
start = "start_utc"
duration = "duration"

# Québec Télécom: BOM, semicolons, French headers, dd/mm/yyyy Montreal time, dotted numbers.
[profiles.quebec]
delimiter = ";"
time_zone = "America/Montreal"
timestamp_formats = ["%d/%m/%Y %H:%M:%S"]
duration = "hh:mm:ss"
blocked_tokens = ["Confidentiel", "Inconnu"]
[profiles.quebec.columns]
called = "Numéro abonné"
calling = "Numéro appelant"
start = ["Date d'appel", "Heure"]
duration = "Durée"

[profiles.complaints]
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d"]
[profiles.complaints.columns]
complainant = "File No."
number = "Complainant Phone"
district = "Riding"
complained = "Received"
in_orders = "Production order"
[profiles.complaints.values]
in_orders = { included = "true", "after order" = "false" }

[profiles.subscriber-returns]
[profiles.subscriber-returns.columns]
number = "Number"
status = "Result"
name = "Subscriber"
provider = "Provider"
[profiles.subscriber-returns.values]
status = { Provided = "obtained", Refused = "refused", "Not requested" = "not_requested" }

[profiles.vendor-upload]
time_zone = "America/Toronto"
timestamp_formats = ["%Y-%m-%d %H:%M:%S"]
[profiles.vendor-upload.columns]
number = "phone"

# The vendor's clock (Eastern time with its offset) runs behind the carriers'.
[profiles.robodial-log]
timestamp_formats = ["rfc3339"]
[profiles.robodial-log.columns]
dialed = "to"
presented = "cid"
start = "ts"
campaign = "campaign"
account = "account"
disposition = "status"
keypress = "dtmf"

# The vendors' campaign registries, as they export them.
[profiles.registry]
timestamp_formats = ["rfc3339"]
[profiles.registry.columns]
campaign = "campaign_id"
account = "account"
customer = "client"
purpose = "purpose"
created = "created_at"

[profiles.wl-telemarketers.columns]
number = "Phone Number"
entity = "Company"

[profiles.wl-entities.columns]
number = "number"
entity = "entity"

[profiles.wl-regulator]
delimiter = "tab"
skip_lines = 1
[profiles.wl-regulator.columns]
number = "TN"
entity = "Category"

[profiles.wl-antifraud]
delimiter = ";"
encoding = "windows-1252"
[profiles.wl-antifraud.columns]
number = "Numéro"
entity = "Catégorie"

[profiles.party-db]
timestamp_formats = ["rfc3339"]
[profiles.party-db.columns]
number = "voter_phone"
download = "download_id"
account = "account"
time = "downloaded_at"
scope = "scope"
criteria = "criteria"

# The party database's identification history: one row per identification, UTC.
[profiles.party-db-ids]
timestamp_formats = ["rfc3339"]
[profiles.party-db-ids.columns]
number = "voter_phone"
code = "support_code"
identified = "entered_at"
district = "riding"
"#;
