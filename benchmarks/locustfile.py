"""The load of `make bench-load` (benchmarks/bench_load.py starts it; a benchmark, not a
test): signed-in users of every role on today's pages.

Each simulated user signs in once with a demo account (seed_demo) and then, with a pause of
1-3 s between pages as a person reading would, opens what their role opens: the district
administrator the lists and results of every unit and the double-claim register; a unit's
secretary their lists, the entry forms and, now and then, a workbook import (upload,
preview, confirm: the same 20 rows each time, so after the first it changes nothing); a
viewer the results and lists of their union; a member with an account quick entry and
their own cases. Settings come from the environment bench_load.py sets:
LOAD_WORKBOOK (the workbook to import), LOAD_CAMPAIGN (its campaign's id), LOAD_SECRETARY_UNIT
and LOAD_VIEWER_UNIT (unit codes), LOAD_PASSWORD.
"""

import os
import re

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "vneid-demo-2023")
WORKBOOK = os.environ.get("LOAD_WORKBOOK", "")
CAMPAIGN = os.environ.get("LOAD_CAMPAIGN", "1")
SECRETARY_UNIT = os.environ.get("LOAD_SECRETARY_UNIT", "DX-MLA")
VIEWER_UNIT = os.environ.get("LOAD_VIEWER_UNIT", "HPN")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = ""

    def on_start(self):
        self.client.get("/dang-nhap/", name="sign-in page")
        response = self.client.post(
            "/dang-nhap/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()},
            name="sign in",
            allow_redirects=False,
        )
        if response.status_code != 302:
            response.failure(f"sign-in of {self.username} answered {response.status_code}")

    def csrf(self):
        return self.client.cookies.get("csrftoken", "")

    def page(self, path, name):
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            elif "/dang-nhap/" in response.url:
                response.failure("sent back to sign-in")


class DistrictAdministrator(SignedIn):
    username = "quantri"

    @task(3)
    def residents(self):
        self.page("/chien-dich/nguoi-dan/", "residents list")

    @task(2)
    def residents_page_5(self):
        self.page("/chien-dich/nguoi-dan/?page=5", "residents list, page 5")

    @task(2)
    def members(self):
        self.page("/don-vi/thanh-vien/", "members list")

    @task(3)
    def results(self):
        self.page("/bao-cao/ket-qua/", "results")

    @task(2)
    def unit_results(self):
        self.page(f"/bao-cao/ket-qua/don-vi/{SECRETARY_UNIT}/", "a unit's results")

    @task(1)
    def double_claims(self):
        self.page("/bao-cao/trung-lap/", "double claims")


class UnitSecretary(SignedIn):
    username = "bithu.mlan"

    @task(2)
    def home(self):
        self.page("/", "home")

    @task(3)
    def residents(self):
        self.page("/chien-dich/nguoi-dan/", "residents list")

    @task(2)
    def members(self):
        self.page("/don-vi/thanh-vien/", "members list")

    @task(2)
    def quick_entry(self):
        self.page("/chien-dich/nhap-nhanh/", "quick entry form")

    @task(1)
    def case_form(self):
        self.page("/chien-dich/truong-hop/them/", "case form")

    @task(1)
    def batch_entry(self):
        self.page("/chien-dich/nhap-theo-danh-sach/", "paper-list form")

    @task(2)
    def results(self):
        self.page(f"/bao-cao/ket-qua/don-vi/{SECRETARY_UNIT}/", "a unit's results")

    @task(1)
    def import_workbook(self):
        if not WORKBOOK:
            return
        self.page("/chien-dich/nhap-excel/", "import form")
        with open(WORKBOOK, "rb") as handle:
            response = self.client.post(
                "/chien-dich/nhap-excel/",
                {"campaign": CAMPAIGN, "csrfmiddlewaretoken": self.csrf()},
                files={"file": ("danh-sach.xlsx", handle)},
                name="import: upload and preview",
            )
        match = re.search(r"/chien-dich/nhap-excel/([0-9a-f]{32})/", response.url)
        if not match:
            response.failure("no preview after the upload")
            return
        token = CSRF_INPUT.search(response.text)
        self.client.post(
            f"/chien-dich/nhap-excel/{match.group(1)}/xac-nhan/",
            {"csrfmiddlewaretoken": token.group(1) if token else self.csrf()},
            name="import: confirm",
        )


class UnionViewer(SignedIn):
    username = "xem.hoipn"

    @task(3)
    def results(self):
        self.page("/bao-cao/ket-qua/", "results")

    @task(2)
    def unit_results(self):
        self.page(f"/bao-cao/ket-qua/don-vi/{VIEWER_UNIT}/", "a unit's results")

    @task(2)
    def residents(self):
        self.page("/chien-dich/nguoi-dan/", "residents list")

    @task(1)
    def members(self):
        self.page("/don-vi/thanh-vien/", "members list")


class MemberWithAccount(SignedIn):
    username = "doanvien"

    @task(2)
    def home(self):
        self.page("/", "home")

    @task(2)
    def quick_entry(self):
        self.page("/chien-dich/nhap-nhanh/", "quick entry form")

    @task(1)
    def residents(self):
        self.page("/chien-dich/nguoi-dan/", "residents list")
