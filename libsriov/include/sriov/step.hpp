#pragma once
// A Step is one change to the host, of one kind. Each kind is a plain struct of its data (what
// the planner decided, what the step observed when it ran) plus a StepKind<T> specialization
// in the kind's own file that knows everything else about it: how it is described, how
// disruptive it is, the writes it performs, its last-moment checks, apply, undo and its
// journal record. This library's kinds are the NIC ones (sriov/steps/); a library built on it
// adds its own the same way. Each library lists its kinds once (step_codec.hpp) for the
// journal reader.
//
// The executor runs a step through a StepContext: the kernel (KernelRunner), a recording
// context for --dry-run (the same checks, the declared writes recorded, nothing written), or
// a test double. A kind writes only through the context, so "what --dry-run prints" and "what
// the run does" are the same list (tests/unit/test_steps.cpp runs every kind through both).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "sriov/error.hpp"
#include "sriov/sysfs.hpp"

namespace sriov {

class LinkBackend;
class VfioHolders;

// One write a step performs, in order (what --dry-run prints): a sysfs attribute, a
// configuration file (value: its new contents, or "(remove the file)"), or an rtnetlink
// message (path: "rtnetlink RTM_SETLINK <ifname> ...", value: the VF change it carries).
struct Write {
  std::string path;
  std::string value;
  bool operator==(const Write&) const = default;
};

// One way the host differs from what a step would make it (what `sriovctl status` reports):
// the thing (a PF, "PF VF n", a GPU's VF, an mdev UUID, a file), the field, and the value the
// plan wants against the value the host has ("" when the thing is absent).
struct Difference {
  std::string subject, field, wanted, have;
  bool operator==(const Difference&) const = default;
};

// Written to driver_override to clear it (the kernel treats an empty line as "unset").
inline constexpr const char* kClearOverride = "\n";

// What a step may touch while it runs.
class StepContext {
 public:
  virtual ~StepContext() = default;
  // Reads: the host as it is now.
  virtual const Sysfs& sysfs() const = 0;
  // A sysfs attribute write (under the watchdog in the kernel context).
  virtual Status write(const std::string& path, const std::string& value) = 0;
  // A configuration file written whole, or removed (nullopt).
  virtual Status write_file(const std::string& path, const std::optional<std::string>& content) = 0;
  // Waits until done() or the settle timeout; false on timeout.
  virtual bool settle(const std::function<bool()>& done) = 0;
  virtual std::chrono::milliseconds settle_timeout() const = 0;
  // The rtnetlink backend for VF settings.
  virtual Result<LinkBackend*> link() = 0;
  // Who holds VFIO files open, scanned once per run at the first step that asks.
  virtual const VfioHolders& holders() = 0;
  virtual void warn(std::string warning) = 0;
};

// The behaviour of the step kind T; specialized in the kind's file with these members:
//   static constexpr std::string_view type;     journal "type", e.g. "set-numvfs"
//   static std::string action(const T&);         "bind" / "unbind"
//   static std::string target(const T&);         PF, VF, UUID or file the step changes
//   static std::string group(const T&);          the device it belongs to (plan grouping)
//   static std::string describe(const T&);
//   static std::string disruption(const T&);     "" when none
//   static std::vector<Write> writes(const T&);
//   static std::vector<Difference> drift(const T&);   what differs now that the step changes
//   static Status check(const T&, StepContext&); last-moment refusals (a process holding a
//                                                device): made by the dry run too
//   static Status apply(T&, StepContext&);       after check; may record what it observed
//   static Status undo(const T&, StepContext&);  harmless when the step had not happened
//   static void encode(const T&, std::string&);  one JSON object (the journal record; read
//                                                back by decode_record<T>, step_codec.hpp)
template <class T>
struct StepKind;

// Declares StepKind<T> with the members above; the kind's .cpp defines them.
#define SRIOV_STEP_KIND(T, TYPE)                                                  \
  template <>                                                                     \
  struct StepKind<T> {                                                            \
    static constexpr std::string_view type = TYPE;                                \
    static std::string action(const T& step);                                     \
    static std::string target(const T& step);                                     \
    static std::string group(const T& step);                                      \
    static std::string describe(const T& step);                                   \
    static std::string disruption(const T& step);                                 \
    static std::vector<Write> writes(const T& step);                              \
    static std::vector<Difference> drift(const T& step);                          \
    static Status check(const T& step, StepContext& ctx);                         \
    static Status apply(T& step, StepContext& ctx);                               \
    static Status undo(const T& step, StepContext& ctx);                          \
    static void encode(const T& step, std::string& out);                          \
  }

class Step {
 public:
  template <class T, class = std::enable_if_t<!std::is_same_v<std::decay_t<T>, Step>>>
  Step(T data) : self_(std::make_unique<Model<T>>(std::move(data))) {}  // NOLINT: implicit
  Step(const Step& other) : self_(other.self_->clone()) {}
  Step(Step&&) noexcept = default;
  Step& operator=(const Step& other) {
    if (this != &other) self_ = other.self_->clone();
    return *this;
  }
  Step& operator=(Step&&) noexcept = default;

  std::string_view type() const { return self_->type(); }
  std::string action() const { return self_->action(); }
  std::string target() const { return self_->target(); }
  std::string group() const { return self_->group(); }
  std::string describe() const { return self_->describe(); }
  std::string disruption() const { return self_->disruption(); }
  std::vector<Write> writes() const { return self_->writes(); }
  std::vector<Difference> drift() const { return self_->drift(); }
  Status check(StepContext& ctx) const { return self_->check(ctx); }
  // check, then the kind's apply: a run never writes what its dry run would have refused.
  Status apply(StepContext& ctx) {
    if (auto ok = self_->check(ctx); !ok) return ok;
    return self_->apply(ctx);
  }
  Status undo(StepContext& ctx) const { return self_->undo(ctx); }
  void encode(std::string& out) const { self_->encode(out); }

  template <class T>
  bool is() const { return get_if<T>() != nullptr; }
  template <class T>
  T* get_if() {
    auto* m = dynamic_cast<Model<T>*>(self_.get());
    return m ? &m->data : nullptr;
  }
  template <class T>
  const T* get_if() const {
    auto* m = dynamic_cast<const Model<T>*>(self_.get());
    return m ? &m->data : nullptr;
  }
  // The data of a step known to be a T (a test's or a caller's own step).
  template <class T>
  T& get() { return *checked(get_if<T>()); }
  template <class T>
  const T& get() const { return *checked(get_if<T>()); }

 private:
  struct Concept {
    virtual ~Concept() = default;
    virtual std::unique_ptr<Concept> clone() const = 0;
    virtual std::string_view type() const = 0;
    virtual std::string action() const = 0;
    virtual std::string target() const = 0;
    virtual std::string group() const = 0;
    virtual std::string describe() const = 0;
    virtual std::string disruption() const = 0;
    virtual std::vector<Write> writes() const = 0;
    virtual std::vector<Difference> drift() const = 0;
    virtual Status check(StepContext& ctx) const = 0;
    virtual Status apply(StepContext& ctx) = 0;
    virtual Status undo(StepContext& ctx) const = 0;
    virtual void encode(std::string& out) const = 0;
  };
  template <class T>
  struct Model final : Concept {
    using Kind = StepKind<T>;
    explicit Model(T d) : data(std::move(d)) {}
    std::unique_ptr<Concept> clone() const override { return std::make_unique<Model>(data); }
    std::string_view type() const override { return Kind::type; }
    std::string action() const override { return Kind::action(data); }
    std::string target() const override { return Kind::target(data); }
    std::string group() const override { return Kind::group(data); }
    std::string describe() const override { return Kind::describe(data); }
    std::string disruption() const override { return Kind::disruption(data); }
    std::vector<Write> writes() const override { return Kind::writes(data); }
    std::vector<Difference> drift() const override { return Kind::drift(data); }
    Status check(StepContext& ctx) const override { return Kind::check(data, ctx); }
    Status apply(StepContext& ctx) override { return Kind::apply(data, ctx); }
    Status undo(StepContext& ctx) const override { return Kind::undo(data, ctx); }
    void encode(std::string& out) const override { Kind::encode(data, out); }
    T data;
  };
  template <class P>
  static P checked(P p) {
    if (!p) throw std::bad_cast();
    return p;
  }
  std::unique_ptr<Concept> self_;
};

}  // namespace sriov
