"""The load of `make bench-load` (benchmarks/bench_load.py starts it; a benchmark, not a
test): signed-in users of every role on today's pages.

Each simulated user signs in once with a demo account (seed_demo) and then, with a pause of
1-3 s between pages as a person reading would, opens what their role opens: the district
administrator the lists and results of every unit and the double-claim register; a unit's
secretary their lists, the entry forms and, now and then, a workbook import (upload,
preview, confirm: each import 20 residents new to the database, so it writes); a
viewer the results and lists of their union; a member with an account quick entry and
their own cases. Settings come from the environment bench_load.py sets:
LOAD_WORKBOOK (the workbooks to import, one after the other, separated by os.pathsep), LOAD_CAMPAIGN (its campaign's id), LOAD_SECRETARY_UNIT
and LOAD_VIEWER_UNIT (unit codes), LOAD_PASSWORD.
"""

import itertools
import os
import re
import time

from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "vneid-demo-2023")
WORKBOOKS = [path for path in os.environ.get("LOAD_WORKBOOK", "").split(os.pathsep) if path]
_next_workbook = itertools.count()  # each import takes the next workbook (new residents)
CAMPAIGN = os.environ.get("LOAD_CAMPAIGN", "1")
SECRETARY_UNIT = os.environ.get("LOAD_SECRETARY_UNIT", "DX-MLA")
VIEWER_UNIT = os.environ.get("LOAD_VIEWER_UNIT", "HPN")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PREVIEW_URL = re.compile(r"/chien-dich/nhap-excel/[0-9a-f]{32}/")
JOB_URL = re.compile(r"/cong-viec/[0-9a-f-]{36}/")
JOB_FINISHED = re.compile(r'data-finished="1"')
RESULT_LINK = re.compile(r'<a class="button primary" href="([^"]+)"')

REQUEST_LOG = os.environ.get("LOAD_REQUEST_LOG", "")
_requests = []


@events.request.add_listener
def _record(request_type, name, response_time, exception, start_time=None, **kwargs):
    """Every request as (started, finished, name, ms, failed), for bench_load.py's figures
    once every user has signed in."""
    finished = time.time()
    _requests.append(
        (
            start_time or finished - response_time / 1000,
            finished,
            name,
            response_time,
            exception is not None,
        )
    )


@events.test_stop.add_listener
def _write_requests(**kwargs):
    if REQUEST_LOG:
        with open(REQUEST_LOG, "w", encoding="utf-8") as out:
            out.writelines(
                f"{a:.3f}\t{b:.3f}\t{n}\t{ms:.1f}\t{int(f)}\n" for a, b, n, ms, f in _requests
            )


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = ""

    def on_start(self):
        self.client.get("/dang-nhap/", name="sign-in page")
        with self.client.post(
            "/dang-nhap/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()},
            name="sign in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
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
        self.page("/tong-quan/", "overview")

    @task(2)
    def unit_results(self):
        self.page(f"/tong-quan/don-vi/{SECRETARY_UNIT}/", "a unit's page")

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
        self.page(f"/tong-quan/don-vi/{SECRETARY_UNIT}/", "a unit's page")

    @task(1)
    def import_workbook(self):
        """Upload → the check job → preview → confirm → the import job → done, as a
        secretary's browser goes (following the job's page every second); a step that does
        not lead to the next counts as a failure of that step."""
        if not WORKBOOKS:
            return
        self.page("/chien-dich/nhap-excel/", "import form")
        with open(WORKBOOKS[next(_next_workbook) % len(WORKBOOKS)], "rb") as handle:
            with self.client.post(
                "/chien-dich/nhap-excel/",
                {"campaign": CAMPAIGN, "csrfmiddlewaretoken": self.csrf()},
                files={"file": ("danh-sach.xlsx", handle)},
                name="import: upload",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                preview = PREVIEW_URL.search(response.headers.get("Location", ""))
                if response.status_code != 302 or not preview:
                    response.failure(f"no preview after the upload ({response.status_code})")
                    return
        preview = preview.group(0)
        if self.follow_job(preview, "import: check job") is None:
            return
        with self.client.get(preview, name="import: preview", catch_response=True) as response:
            token = CSRF_INPUT.search(response.text)
            if response.status_code != 200 or not token or "xac-nhan" not in response.text:
                response.failure(f"no preview to confirm ({response.status_code})")
                return
        with self.client.post(
            preview + "xac-nhan/",
            {"csrfmiddlewaretoken": token.group(1)},
            name="import: confirm",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            job = JOB_URL.search(response.headers.get("Location", ""))
            if response.status_code != 302 or not job:
                response.failure(f"no job after the confirm ({response.status_code})")
                return
        done = self.follow_job(job.group(0), "import: import job")
        if done is not None:
            self.page(done, "import: imported")

    def follow_job(self, url, name, polls=60):
        """Open `url` (the preview, which sends to its check job while that runs, or a job's
        page) every second until the job is done, and return where it leads (the preview,
        or the job's result); None, counted as a failure, when the job failed or did not
        finish within `polls` seconds."""
        for poll in range(1, polls + 1):
            with self.client.get(
                url, name=name, allow_redirects=False, catch_response=True
            ) as response:
                job = JOB_URL.search(response.headers.get("Location", ""))
                if response.status_code == 302 and job:
                    url = job.group(0)  # the check is queued or running: its page
                elif response.status_code != 200:
                    response.failure(f"{response.status_code}")
                    return None
                elif not JOB_URL.search(url):
                    return url  # the preview: its check is done
                elif JOB_FINISHED.search(response.text):
                    result = RESULT_LINK.search(response.text)
                    if 'class="tag ok"' in response.text and result:
                        return result.group(1)
                    response.failure("the job failed")
                    return None
                if poll == polls:
                    response.failure(f"the job did not finish in {polls} s")
                    return None
            time.sleep(1)
        return None


class UnionViewer(SignedIn):
    username = "xem.hoipn"

    @task(3)
    def results(self):
        self.page("/tong-quan/", "overview")

    @task(2)
    def unit_results(self):
        self.page(f"/tong-quan/don-vi/{VIEWER_UNIT}/", "a unit's page")

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
