// GET /tasks/{id}/events: server-sent events. Each event carries the whole task JSON and is sent
// when the task's revision changes; the stream ends after the task ends. A follower waits on the
// in-process TaskEvents signal and re-reads the row at least once a second (changes made by other
// processes), and sends a comment line every 15 s so proxies keep the connection open. The number
// of open streams is capped so that followers can never take every connection thread.

#include <chrono>
#include <memory>

#include "core/task_json.h"
#include "http/handlers.h"
#include "http/responses.h"

namespace trainbox::http {
namespace {
using std::chrono::steady_clock;

struct StreamState {
  std::string id;
  Caller caller;  // as authenticated when the stream opened
  int64_t sent_revision = -1;
  uint64_t generation = 0;
  bool finished = false;
  steady_clock::time_point last_write = steady_clock::now();
};

bool write_event(httplib::DataSink& sink, const core::Task& task) {
  std::string event = "event: task\ndata: " + task_json(task).dump() + "\n\n";
  return sink.write(event.data(), event.size());
}

// One call of the chunked provider: wait a little for a change, send it if there is one.
bool pump(HttpContext& ctx, StreamState& state, httplib::DataSink& sink) {
  if (state.finished) {
    sink.done();
    return true;
  }
  if (state.sent_revision >= 0) {
    state.generation =
        ctx.service.events().wait_for_change(state.generation, std::chrono::milliseconds(1000));
  }
  if (ctx.service.events().is_shut_down()) {
    sink.done();
    return true;
  }
  auto task = ctx.service.get(state.caller, state.id);
  if (!task) {  // deleted while followed
    std::string event = "event: deleted\ndata: {\"id\":\"" + state.id + "\"}\n\n";
    sink.write(event.data(), event.size());
    sink.done();
    return true;
  }
  if (task->revision != state.sent_revision) {
    if (!write_event(sink, *task)) return false;
    state.sent_revision = task->revision;
    state.last_write = steady_clock::now();
    state.finished = core::is_terminal(task->status);
  } else if (steady_clock::now() - state.last_write > std::chrono::seconds(15)) {
    if (!sink.write(": keep-alive\n\n", 14)) return false;
    state.last_write = steady_clock::now();
  }
  return sink.is_writable();
}

}  // namespace

void handle_task_events(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                        httplib::Response& res) {
  std::string id = req.matches.size() > 1 ? std::string(req.matches[1]) : "";
  auto task = ctx.service.get(caller, id);
  if (!task) return send_error(res, task.error());
  if (ctx.open_event_streams.fetch_add(1) >= ctx.config.max_event_streams) {
    ctx.open_event_streams.fetch_sub(1);
    res.set_header("Retry-After", "5");
    return send_error(res, ErrorCode::kUnavailable, "too_many_streams",
                      "too many open event streams; poll GET /api/v1/tasks/{id} instead");
  }
  auto state = std::make_shared<StreamState>();
  state->id = id;
  state->caller = caller;
  state->generation = ctx.service.events().generation();
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [&ctx, state](size_t, httplib::DataSink& sink) { return pump(ctx, *state, sink); },
      [&ctx](bool) { ctx.open_event_streams.fetch_sub(1); });
}

}  // namespace trainbox::http
