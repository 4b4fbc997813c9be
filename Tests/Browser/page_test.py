"""The Phone Numbers page in a real browser (headless Chromium over WebDriver) against a
real `phone-numbers serve --demo` process: the product text, walked end to end.

Usage: page_test.py BINARY OUTPUT_DIR   (scripts/browser-test.sh runs it)
"""
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

REGISTRATION_URL = "https://registration.example/forms"
SUPPORT_URL = "mailto:support@example.org"
BINARY = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/phone-numbers"
OUTPUT = sys.argv[2] if len(sys.argv) > 2 else ".build/test-output"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service_:
    """`phone-numbers serve --demo` in a temporary data directory."""

    def __init__(self):
        self.data = tempfile.mkdtemp(prefix="pn-page-")
        self.http = free_port()
        self.port = free_port()
        self.log = open(os.path.join(self.data, "serve.log"), "w")
        self.start()
        credentials = os.path.join(self.data, "demo-credentials.json")
        deadline = time.time() + 60
        while not (os.path.exists(credentials) and self.ready()):
            if self.process.poll() is not None or time.time() > deadline:
                raise RuntimeError("serve did not start: " + open(os.path.join(self.data, "serve.log")).read())
            time.sleep(0.2)
        with open(credentials) as f:
            self.credentials = json.load(f)
        self.url = "http://127.0.0.1:%d/" % self.http

    def start(self):
        self.process = subprocess.Popen(
            [BINARY, "serve", "--demo", "--data", self.data, "--port", str(self.port), "--http-port", str(self.http),
             "--provisioning-delay", "2s", "--fail-provisioning", "909", "--log-level", "warning",
             "--registration-url", REGISTRATION_URL, "--support-url", SUPPORT_URL],
            stdout=self.log, stderr=subprocess.STDOUT)

    def crash_and_restart(self, while_down):
        """Kills the server (as a crash would), runs `while_down`, then starts it again on the
        same data and ports and waits until it is ready."""
        self.process.kill()
        self.process.wait()
        while_down()
        self.start()
        deadline = time.time() + 60
        while not self.ready():
            if time.time() > deadline:
                raise RuntimeError("serve did not start again")
            time.sleep(0.2)

    def ready(self):
        try:
            return urllib.request.urlopen("http://127.0.0.1:%d/readyz" % self.http, timeout=1).status == 200
        except OSError:
            return False

    def call(self, method, request, token):
        """A unary call through the Connect gateway, as any HTTP client would make it."""
        req = urllib.request.Request(
            self.url + "phonenumbers.v1." + method, data=json.dumps(request).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
        with urllib.request.urlopen(req, timeout=10) as response:
            return json.load(response)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


class PageTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.service = Service_()
        cls.driver = browser()
        # The list re-renders on every event: an element read during one is looked up again.
        cls.wait = WebDriverWait(cls.driver, 60, ignored_exceptions=(StaleElementReferenceException,))

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.service.stop()

    # -- helpers ---------------------------------------------------------------------------

    def signed_out_page(self):
        """The page with no token kept. The storage is cleared from a page of the same origin
        that runs no script: cleared under the page itself, a sign-in still in flight from
        the last token would store it again before the reload."""
        d = self.driver
        d.get(self.service.url + "readyz")
        d.execute_script("sessionStorage.clear()")
        d.get(self.service.url)
        return self.wait.until(EC.visibility_of_element_located((By.ID, "token")))

    def sign_in(self, role):
        token = self.signed_out_page()
        token.send_keys(self.service.credentials[role + "_token"])
        token.send_keys(Keys.ENTER)
        self.wait.until(EC.visibility_of_element_located((By.ID, "who-text")))
        self.wait.until(lambda d: d.find_element(By.ID, "count").text.endswith("numbers"))

    def rows(self):
        return self.driver.find_elements(By.CSS_SELECTOR, "#rows tr")

    def row_text(self, fragment):
        """The text of the first row whose text has `fragment` ("" when none), read in one step."""
        return self.driver.execute_script(
            "const row = [...document.querySelectorAll('#rows tr')].find((r) => r.innerText.includes(arguments[0]));"
            "return row ? row.innerText : '';", fragment)

    def text_of(self, selector):
        """The text of the first element `selector` finds ("" when none), read in one step: the
        list re-renders on every event, so an element found in one step may be gone in the next."""
        return self.driver.execute_script(
            "const element = document.querySelector(arguments[0]); return element ? element.innerText : '';", selector)

    def click(self, by, value):
        """Clicks the element found by (`by`, `value`), found again if the list re-rendered
        between finding and clicking (the wait ignores stale elements and tries again)."""
        self.wait.until(lambda d: d.find_element(by, value).click() or True)

    def status_of(self, number_id):
        """The status tag of number `number_id` (None when it has no row), read in one step."""
        return self.driver.execute_script(
            "const tag = document.querySelector(arguments[0]); return tag ? tag.getAttribute('data-status') : null;",
            '#rows tr[data-number-id="%s"] .tag' % number_id)

    def add(self, area_code, name=""):
        before = len(self.rows())
        Select(self.driver.find_element(By.ID, "area-code")).select_by_value(area_code)
        field = self.driver.find_element(By.ID, "number-name")
        field.clear()
        if name:
            field.send_keys(name)
        self.driver.find_element(By.ID, "add-button").click()
        return before

    def numbers(self):
        return self.service.call("Numbers/ListNumbers", {}, self.service.credentials["admin_token"])["numbers"]

    def banner_text(self):
        self.wait.until(EC.visibility_of_element_located((By.ID, "banner")))
        return self.driver.find_element(By.ID, "banner-text").text

    # -- the walk ----------------------------------------------------------------------------

    def test_product_walk(self):
        d = self.driver
        admin = self.service.credentials["admin_token"]
        self.sign_in("admin")
        who = d.find_element(By.ID, "who-text").text
        self.assertIn("Admin", who)
        self.assertIn("Demo Organization", who)
        self.assertIn("Adam Admin", who)
        self.assertIn(self.service.credentials["account_id"], d.find_element(By.ID, "who-text").text)
        self.assertEqual(d.find_element(By.ID, "count").text, "0 of 5 numbers")

        # The drop-down: 603 never; codes without numbers marked.
        options = {o.get_attribute("value"): o.text for o in d.find_elements(By.CSS_SELECTOR, "#area-code option")}
        self.assertNotIn("603", options)
        self.assertGreater(len(options), 100)
        self.assertIn("no numbers right now", options["212"])
        self.assertNotIn("no numbers", options["415"])
        # Only approved use cases are offered.
        offered = [o.get_attribute("value") for o in d.find_elements(By.CSS_SELECTOR, "#use-case option")]
        self.assertEqual(offered, [self.service.credentials["approved_use_case_id"]])

        # The name counts as you type.
        d.find_element(By.ID, "number-name").send_keys("Ballot chase")
        self.assertEqual(d.find_element(By.ID, "name-count").text, "12 of 64 characters")

        # Add in 415 with a name: it appears provisioning, then turns green without a reload.
        self.add("415", "Ballot chase")
        self.wait.until(lambda d: len(self.rows()) == 1)
        number = self.numbers()[0]
        self.assertEqual(number["name"], "Ballot chase")
        row = self.row_text("(415)")
        self.assertIn("Ballot chase", row)
        self.assertIn("CA", row)
        self.assertEqual(self.status_of(number["id"]), "provisioning")
        marker = d.execute_script("return window.performance.timeOrigin")
        self.wait.until(lambda d: self.status_of(number["id"]) == "ready")
        self.assertEqual(d.execute_script("return window.performance.timeOrigin"), marker, "the page reloaded")
        self.assertEqual(self.text_of('#rows tr[data-number-id="%s"] .tag' % number["id"]), "Ready")
        # Its 10DLC campaign (the provider's assignment) is shown with it.
        ready = next(n for n in self.numbers() if n["id"] == number["id"])
        self.assertTrue(ready["tenDlcCampaignId"])
        self.wait.until(lambda d: ready["tenDlcCampaignId"] in self.text_of('#rows tr[data-number-id="%s"] .ten-dlc' % number["id"]))

        # Add in 212: the banner at the top, nothing added.
        self.add("212")
        text = self.banner_text()
        self.assertIn("No phone numbers are available in area code 212", text)
        self.assertIn("Choose a different area code", text)
        self.assertEqual(d.find_element(By.ID, "banner-support").get_attribute("href"), SUPPORT_URL)
        self.assertEqual(d.find_element(By.ID, "banner").get_attribute("role"), "alert")
        self.assertEqual(d.execute_script("return document.getElementById('banner').getBoundingClientRect().top"), 0)
        time.sleep(0.5)
        self.assertEqual(len(self.rows()), 1)
        self.assertEqual(len(self.numbers()), 1)
        d.find_element(By.ID, "banner-close").click()

        # Rename in place with the pencil.
        self.click(By.ID, "rename-" + number["id"])
        field = self.wait.until(EC.visibility_of_element_located((By.ID, "name-" + number["id"])))
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys("GOTV line", Keys.ENTER)
        self.wait.until(lambda d: "GOTV line" in self.row_text("(415)"))
        self.assertEqual(self.numbers()[0]["name"], "GOTV line")

        # A campaign launched on it (through the gateway) shows up live; deleting is refused with its name.
        campaign = self.service.call("Campaigns/CreateCampaign", {"name": "GOTV", "dedicated": {"numberId": number["id"]}}, admin)
        self.service.call("Campaigns/LaunchCampaign", {"campaignId": campaign["id"]}, admin)
        self.wait.until(lambda d: "GOTV (active)" in self.row_text("(415)"))
        self.click(By.ID, "delete-" + number["id"])
        text = self.banner_text()
        self.assertIn("GOTV", text)
        self.assertIn("active campaigns", text)
        self.assertFalse(d.find_elements(By.ID, "confirm-delete-" + number["id"]))
        self.assertEqual(len(self.rows()), 1)
        self.assertEqual(self.numbers()[0]["status"], "NUMBER_STATUS_READY")
        d.find_element(By.ID, "banner-close").click()

        # One the carrier rejects (909 in this run) shows red with the reason, and no Retry: it cannot help.
        self.add("909", "Inland")
        self.wait.until(lambda d: len(self.rows()) == 2)
        failing = next(n for n in self.numbers() if n["areaCode"] == "909")
        self.wait.until(lambda d: self.status_of(failing["id"]) == "failed")
        self.assertNotIn("Retry", self.row_text("(909)"))
        self.assertIn("A retry cannot help", self.row_text("(909)"))
        self.assertTrue(self.text_of('#rows tr[data-number-id="%s"] .failure' % failing["id"]))

        # Long names stay within the page: 64 characters without a break, 64 emoji.
        for long_name in ("W" * 64, "\U0001F389" * 64):
            self.click(By.ID, "rename-" + number["id"])
            field = self.wait.until(EC.visibility_of_element_located((By.ID, "name-" + number["id"])))
            d.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", field, long_name)
            field.send_keys(Keys.ENTER)
            self.wait.until(lambda d: long_name[:8] in self.text_of('#rows tr[data-number-id="%s"]' % number["id"]))
            self.assertEqual(self.numbers()[0]["name"], long_name)
            self.assertLessEqual(d.execute_script("return document.documentElement.scrollWidth"),
                                 d.execute_script("return window.innerWidth"), "the page scrolls sideways with a long name")
            self.assertTrue(d.find_element(By.ID, "delete-" + number["id"]).is_displayed())
        self.service.call("Numbers/RenameNumber", {"numberId": number["id"], "name": "GOTV line"}, admin)
        d.refresh()
        self.wait.until(lambda d: "GOTV line" in self.row_text("(415)"))
        # The name box counts characters as the service does: 70 emoji typed, 64 kept.
        name_box = d.find_element(By.ID, "number-name")
        d.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", name_box, "\U0001F389" * 70)
        self.assertEqual(d.find_element(By.ID, "name-count").text, "64 of 64 characters")
        self.assertEqual(d.execute_script("return [...new Intl.Segmenter().segment(arguments[0].value)].length", name_box), 64)
        name_box.clear()
        d.execute_script("arguments[0].dispatchEvent(new Event('input'))", name_box)

        # Each row tells its use case apart by its description, not the type alone.
        use_case = self.service.call("Registration/GetUseCase", {"useCaseId": self.service.credentials["approved_use_case_id"]}, admin)
        self.assertIn(use_case["description"][:30], self.row_text("(415)"))

        # Three more: the last still provisioning when the screenshot is taken.
        # This one by keyboard alone: type to pick the area code, type the name, Enter adds.
        d.find_element(By.ID, "area-code").send_keys("510")
        self.assertEqual(Select(d.find_element(By.ID, "area-code")).first_selected_option.get_attribute("value"), "510")
        d.find_element(By.ID, "number-name").send_keys("East Bay", Keys.ENTER)
        self.wait.until(lambda d: len(self.rows()) == 3)
        self.add("312", "Chicago")
        self.wait.until(lambda d: len(self.rows()) == 4)
        self.wait.until(lambda d: all(self.status_of(n["id"]) == "ready" for n in self.numbers() if n["areaCode"] in ("510", "312")))
        self.add("718", "Brooklyn")
        self.wait.until(lambda d: len(self.rows()) == 5)
        statuses = {self.status_of(n["id"]) for n in self.numbers()}
        self.assertEqual(statuses, {"ready", "failed", "provisioning"})
        os.makedirs(OUTPUT, exist_ok=True)
        d.save_screenshot(os.path.join(OUTPUT, "phone-numbers-page.png"))
        self.assertEqual(d.find_element(By.ID, "count").text, "5 of 5 numbers")

        # Search by name or number, filter by status, sort; the count stays the account's.
        def shown():
            return d.execute_script("return [...document.querySelectorAll('#rows tr')].map((r) => r.dataset.numberId)")
        by_id = {n["id"]: n for n in self.numbers()}
        d.find_element(By.ID, "search").send_keys("brook")
        self.wait.until(lambda d: [by_id[i]["name"] for i in shown()] == ["Brooklyn"])
        d.find_element(By.ID, "search").clear()
        d.find_element(By.ID, "search").send_keys("(510)")
        self.wait.until(lambda d: [by_id[i]["areaCode"] for i in shown()] == ["510"])
        d.find_element(By.ID, "search").send_keys("99")
        self.wait.until(lambda d: d.find_element(By.ID, "no-match").is_displayed())
        d.find_element(By.ID, "search").clear()
        d.execute_script("arguments[0].dispatchEvent(new Event('input'))", d.find_element(By.ID, "search"))
        Select(d.find_element(By.ID, "status-filter")).select_by_value("failed")
        self.wait.until(lambda d: [by_id[i]["areaCode"] for i in shown()] == ["909"])
        Select(d.find_element(By.ID, "status-filter")).select_by_value("")
        Select(d.find_element(By.ID, "sort")).select_by_value("name")
        self.wait.until(lambda d: len(shown()) == 5)
        names = [by_id[i].get("name", "") for i in shown()]
        self.assertEqual(names, sorted(names, key=str.lower))
        self.assertEqual(d.find_element(By.ID, "count").text, "5 of 5 numbers")
        Select(d.find_element(By.ID, "sort")).select_by_value("added")

        # Export: a CSV and a JSON file of the account's numbers.
        downloads = tempfile.mkdtemp(prefix="pn-downloads-")
        d.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
        for button, suffix in (("export-csv", ".csv"), ("export-json", ".json")):
            d.find_element(By.ID, button).click()
            self.wait.until(lambda d: any(f.endswith(suffix) for f in os.listdir(downloads)))
        with open(next(os.path.join(downloads, f) for f in os.listdir(downloads) if f.endswith(".csv")), newline="") as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0][:3], ["id", "e164", "areaCode"])
        self.assertEqual(sorted(r[0] for r in rows[1:]), sorted(by_id))
        with open(next(os.path.join(downloads, f) for f in os.listdir(downloads) if f.endswith(".json"))) as f:
            self.assertEqual(len(json.load(f)["numbers"]), 5)
        shutil.rmtree(downloads, ignore_errors=True)

        # At five the add box is disabled.
        self.assertFalse(d.find_element(By.ID, "add-button").is_enabled())
        self.assertFalse(d.find_element(By.ID, "area-code").is_enabled())
        self.assertTrue(d.find_element(By.ID, "limit-note").is_displayed())

        # A phone-width screen still shows every number.
        d.set_window_size(390, 900)
        self.wait.until(lambda d: len([r for r in self.rows() if r.is_displayed()]) == 5)
        self.assertLessEqual(d.execute_script("return document.documentElement.scrollWidth"),
                             d.execute_script("return window.innerWidth"), "the page scrolls sideways on a phone")
        d.save_screenshot(os.path.join(OUTPUT, "phone-numbers-page-narrow.png"))
        d.set_window_size(1280, 1000)

        # Deleting a number on no campaign asks first, then frees a slot.
        chicago = next(n for n in self.numbers() if n["areaCode"] == "312")
        self.click(By.ID, "delete-" + chicago["id"])
        self.wait.until(EC.element_to_be_clickable((By.ID, "confirm-delete-" + chicago["id"])))
        self.assertEqual(len(self.rows()), 5, "nothing is deleted before the confirmation")
        self.click(By.ID, "confirm-delete-" + chicago["id"])
        self.wait.until(lambda d: len(self.rows()) == 4)
        self.assertEqual(d.find_element(By.ID, "count").text, "4 of 5 numbers")
        self.assertTrue(d.find_element(By.ID, "add-button").is_enabled())
        self.assertNotIn(chicago["id"], [n["id"] for n in self.numbers()])

        # A number's history, from the audit trail: its own entries and its campaigns'.
        self.click(By.ID, "history-button-" + number["id"])
        self.wait.until(lambda d: "Number renamed" in self.text_of("#history-" + number["id"]))
        history = self.text_of("#history-" + number["id"])
        for expected in ("Number added", "Provisioning succeeded", "Campaign created · campaign GOTV", "Campaign launched"):
            self.assertIn(expected, history)
        self.click(By.ID, "history-button-" + number["id"])
        # The released numbers, with their history.
        d.find_element(By.ID, "show-released").click()
        self.wait.until(lambda d: d.find_element(By.ID, "released").is_displayed())
        self.assertIn("(312)", self.text_of("#released-rows"))
        self.click(By.ID, "history-button-" + chicago["id"])
        self.wait.until(lambda d: "Number deleted" in self.text_of("#history-" + chicago["id"]))
        d.find_element(By.ID, "show-released").click()
        self.wait.until(lambda d: not d.find_element(By.ID, "released").is_displayed())

        # A texter sees the list read-only: no add box, no pencil, no delete, no retry.
        self.sign_in("texter")
        self.assertIn("Texter", d.find_element(By.ID, "who-text").text)
        self.wait.until(lambda d: len(self.rows()) == 4)
        self.assertFalse(d.find_element(By.ID, "create").is_displayed())
        self.assertFalse(d.find_elements(By.CSS_SELECTOR, "#rows .pencil"))
        self.assertFalse(d.find_elements(By.CSS_SELECTOR, "#rows button.danger"))
        self.assertNotIn("Retry", d.find_element(By.ID, "rows").text)
        self.assertNotIn("null", d.find_element(By.ID, "rows").text, "a read-only row ends with 'null'")

        # The owner's port-out protection: the PIN shown and reset (after a confirmation), the requests and the lock.
        self.sign_in("owner")
        owner = self.service.credentials["owner_token"]
        self.wait.until(lambda d: len(self.rows()) == 4)
        self.click(By.ID, "protection-" + number["id"])
        self.click(By.ID, "show-pin-" + number["id"])
        shown_pin = self.wait.until(EC.visibility_of_element_located((By.ID, "pin-" + number["id"]))).text
        self.assertEqual(shown_pin, self.service.call("Numbers/GetPortOutPin", {"numberId": number["id"]}, owner)["pin"])
        self.click(By.ID, "reset-pin-" + number["id"])
        self.assertEqual(shown_pin, self.text_of("#pin-" + number["id"]), "nothing is reset before the confirmation")
        self.click(By.ID, "confirm-reset-" + number["id"])
        self.wait.until(lambda d: self.text_of("#pin-" + number["id"]) not in ("", shown_pin))
        new_pin = self.text_of("#pin-" + number["id"])
        self.assertEqual(new_pin, self.service.call("Numbers/GetPortOutPin", {"numberId": number["id"]}, owner)["pin"])
        self.assertIn("was reset", d.find_element(By.ID, "notice-text").text)
        with open(os.path.join(self.service.data, "operator-token")) as f:
            operator = f.read().strip()
        relay = self.service.call("Accounts/IssueToken", {"serviceName": "relay", "grants": ["GRANT_PORT_OUT_RELAY"]}, operator)["token"]
        try:
            self.service.call("Numbers/RequestPortOut", {"e164": number["e164"], "pin": "00000000", "gainingCarrier": "Acme"}, relay)
        except urllib.error.HTTPError as error:
            self.assertEqual(error.code, 403)
        self.click(By.ID, "protection-" + number["id"])  # closed
        self.click(By.ID, "protection-" + number["id"])  # opened again: read anew
        self.wait.until(lambda d: "Acme" in self.text_of("#attempts-" + number["id"]))
        self.assertIn("wrong PIN", self.text_of("#attempts-" + number["id"]))
        self.assertIn("1 wrong PIN(s) toward the lock", self.text_of("#lock-" + number["id"]))
        actions = [e["action"] for e in self.service.call("Events/ListAuditEvents", {"subjectId": number["id"]}, owner)["events"]]
        self.assertIn("PORT_OUT_PIN_RESET", actions)
        self.assertIn("PORT_OUT_PIN_VIEWED", actions)
        # Admins see no port-out protection (the PIN is the owner's).
        self.sign_in("admin")
        self.wait.until(lambda d: len(self.rows()) == 4)
        self.assertFalse(d.find_elements(By.ID, "protection-" + number["id"]))

        # The token lives in this tab's sessionStorage only, never in the URL.
        self.assertNotIn("pn_", d.current_url)
        d.find_element(By.ID, "sign-out").click()
        self.assertTrue(d.find_element(By.ID, "token").is_displayed())
        self.assertIsNone(d.execute_script("return sessionStorage.getItem('phone-numbers.token')"))

    def test_account_without_an_approved_use_case_is_told_what_to_do(self):
        with open(os.path.join(self.service.data, "operator-token")) as f:
            operator = f.read().strip()
        account = self.service.call("Accounts/CreateAccount", {"name": "New Org", "country": "US"}, operator)
        member = self.service.call("Accounts/AddMember", {"accountId": account["id"], "name": "Ada", "email": "ada@example.org",
                                                          "role": "ROLE_ADMIN"}, operator)
        token = self.service.call("Accounts/IssueToken", {"memberId": member["id"]}, operator)["token"]
        self.service.credentials["newcomer_token"] = token
        self.sign_in("newcomer")
        note = self.driver.find_element(By.ID, "no-use-case")
        self.assertTrue(note.is_displayed())
        self.assertIn("Brand Registration and Use Case forms", note.text)
        self.assertEqual(self.driver.find_element(By.ID, "registration-link").get_attribute("href"), REGISTRATION_URL)
        self.assertEqual(self.driver.find_element(By.ID, "help-support").get_attribute("href"), SUPPORT_URL)
        self.assertFalse(self.driver.find_element(By.ID, "add-button").is_enabled())
        self.assertEqual(self.driver.find_element(By.ID, "count").text, "0 of 5 numbers")

    def test_account_outside_the_us_is_told_dedicated_numbers_are_for_us_accounts(self):
        with open(os.path.join(self.service.data, "operator-token")) as f:
            operator = f.read().strip()
        account = self.service.call("Accounts/CreateAccount", {"name": "Maple Org", "country": "CA"}, operator)
        member = self.service.call("Accounts/AddMember", {"accountId": account["id"], "name": "Bea", "email": "bea@example.org",
                                                          "role": "ROLE_ADMIN"}, operator)
        self.service.credentials["canadian_token"] = self.service.call("Accounts/IssueToken", {"memberId": member["id"]}, operator)["token"]
        token = self.signed_out_page()
        token.send_keys(self.service.credentials["canadian_token"], Keys.ENTER)
        note = self.wait.until(EC.visibility_of_element_located((By.ID, "not-us")))
        self.assertIn("for US accounts", note.text)
        self.assertIn("CA", note.text)
        self.assertFalse(self.driver.find_element(By.ID, "create").is_displayed())
        self.assertFalse(self.driver.find_element(By.ID, "numbers-section").is_displayed())
        self.assertNotIn("You have no approved use case", self.driver.find_element(By.TAG_NAME, "body").text)
        self.assertNotIn("of 5 numbers", self.driver.find_element(By.TAG_NAME, "body").text)

    def test_offline_is_shown_and_recovers(self):
        d = self.driver
        self.sign_in("admin")
        d.set_window_size(390, 900)
        self.assertLessEqual(d.execute_script("return document.documentElement.scrollWidth"),
                             d.execute_script("return window.innerWidth"), "the header is cut off on a phone")
        d.set_window_size(1280, 1000)
        self.assertFalse(d.find_element(By.ID, "offline").is_displayed())
        self.service.crash_and_restart(
            lambda: self.wait.until(lambda d: d.find_element(By.ID, "offline").is_displayed()))
        self.wait.until(lambda d: not d.find_element(By.ID, "offline").is_displayed())
        self.assertTrue(d.find_element(By.ID, "app").is_displayed())

    def test_bad_token_is_refused_with_the_reason(self):
        d = self.driver
        token = self.signed_out_page()
        token.send_keys("pn_not_a_token", Keys.ENTER)
        self.assertIn("token", self.banner_text().lower())
        self.assertTrue(d.find_element(By.ID, "token").is_displayed())
        self.assertFalse(d.find_element(By.ID, "app").is_displayed())


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
