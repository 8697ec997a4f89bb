//! Serde types of the tasks extension `io.modelcontextprotocol/tasks`.
//!
//! Task members sit flat in their containers: a `CreateTaskResult` is a result whose own
//! members are the task's, a `GetTaskResult` is a result whose members are a [`DetailedTask`]
//! (tagged by `status`, with the payload of that status). `ttlMs` is a required member whose
//! value may be `null` (unlimited): it is always serialized, as `null` when `None`.

use serde::{Deserialize, Serialize};

use super::{
    ErrorObject, InputRequests, InputResponses, JsonObject, NotificationMeta, RequestMeta,
    ResultMeta, result_types,
};

/// The status of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Working,
    InputRequired,
    Completed,
    Failed,
    Cancelled,
}

impl TaskStatus {
    /// Every status, in the order of the extension's state diagram.
    pub const ALL: [TaskStatus; 5] = [
        TaskStatus::Working,
        TaskStatus::InputRequired,
        TaskStatus::Completed,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
    ];

    /// The wire string (`"input_required"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Working => "working",
            TaskStatus::InputRequired => "input_required",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// The status named by a wire string, if it is one.
    pub fn parse(s: &str) -> Option<TaskStatus> {
        TaskStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// `completed`, `failed` and `cancelled` have no outgoing transition.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }
}

impl std::fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The members every task object carries, except `status`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskInfo {
    pub task_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// ISO 8601 timestamp.
    pub created_at: String,
    /// ISO 8601 timestamp.
    pub last_updated_at: String,
    /// Lifetime in milliseconds from `createdAt`; `None` (serialized as `null`) is unlimited.
    /// The member is required, so it is never skipped.
    #[serde(default)]
    pub ttl_ms: Option<i64>,
    /// Suggested polling interval in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval_ms: Option<i64>,
}

/// A task: [`TaskInfo`] and any status (the `Task` definition; the payloads of a status are in
/// [`DetailedTask`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub status: TaskStatus,
    #[serde(flatten)]
    pub info: TaskInfo,
}

/// A task with the payload of its status, tagged by `status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DetailedTask {
    Working {
        #[serde(flatten)]
        info: TaskInfo,
    },
    InputRequired {
        #[serde(flatten)]
        info: TaskInfo,
        /// Every outstanding input request.
        #[serde(rename = "inputRequests")]
        input_requests: InputRequests,
    },
    Completed {
        #[serde(flatten)]
        info: TaskInfo,
        /// What the original request would have returned.
        result: JsonObject,
    },
    Failed {
        #[serde(flatten)]
        info: TaskInfo,
        /// The JSON-RPC error that ended the task.
        error: ErrorObject,
    },
    Cancelled {
        #[serde(flatten)]
        info: TaskInfo,
    },
}

impl DetailedTask {
    pub fn status(&self) -> TaskStatus {
        match self {
            DetailedTask::Working { .. } => TaskStatus::Working,
            DetailedTask::InputRequired { .. } => TaskStatus::InputRequired,
            DetailedTask::Completed { .. } => TaskStatus::Completed,
            DetailedTask::Failed { .. } => TaskStatus::Failed,
            DetailedTask::Cancelled { .. } => TaskStatus::Cancelled,
        }
    }

    pub fn info(&self) -> &TaskInfo {
        match self {
            DetailedTask::Working { info }
            | DetailedTask::InputRequired { info, .. }
            | DetailedTask::Completed { info, .. }
            | DetailedTask::Failed { info, .. }
            | DetailedTask::Cancelled { info } => info,
        }
    }

    /// The task without its payload.
    pub fn task(&self) -> Task {
        Task {
            status: self.status(),
            info: self.info().clone(),
        }
    }
}

/// A `tools/call` result that hands out a task (`resultType: "task"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTaskResult {
    /// Always `"task"`.
    pub result_type: String,
    #[serde(flatten)]
    pub task: Task,
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ResultMeta>,
}

impl CreateTaskResult {
    pub fn new(task: Task) -> Self {
        Self {
            result_type: result_types::TASK.to_owned(),
            task,
            meta: None,
        }
    }
}

/// The result of `tasks/get` (`resultType: "complete"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetTaskResult {
    /// Always `"complete"`.
    pub result_type: String,
    #[serde(flatten)]
    pub task: DetailedTask,
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ResultMeta>,
}

impl GetTaskResult {
    pub fn new(task: DetailedTask) -> Self {
        Self {
            result_type: result_types::COMPLETE.to_owned(),
            task,
            meta: None,
        }
    }
}

/// The empty acknowledgement of `tasks/update` and `tasks/cancel`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskAckResult {
    /// Always `"complete"`.
    pub result_type: String,
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ResultMeta>,
}

impl Default for TaskAckResult {
    fn default() -> Self {
        Self {
            result_type: result_types::COMPLETE.to_owned(),
            meta: None,
        }
    }
}

/// The result of `tasks/update`.
pub type UpdateTaskResult = TaskAckResult;
/// The result of `tasks/cancel`.
pub type CancelTaskResult = TaskAckResult;

/// `params` of `tasks/get`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetTaskParams {
    #[serde(rename = "_meta")]
    pub meta: RequestMeta,
    pub task_id: String,
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// `params` of `tasks/cancel` (same members as [`GetTaskParams`]).
pub type CancelTaskParams = GetTaskParams;

/// `params` of `tasks/update`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTaskParams {
    #[serde(rename = "_meta")]
    pub meta: RequestMeta,
    pub task_id: String,
    pub input_responses: InputResponses,
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// `params` of `notifications/tasks`: the task as `tasks/get` would return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStatusNotificationParams {
    #[serde(flatten)]
    pub task: DetailedTask,
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<NotificationMeta>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn info() -> TaskInfo {
        TaskInfo {
            task_id: "t-1".into(),
            status_message: None,
            created_at: "2030-01-02T03:04:05Z".into(),
            last_updated_at: "2030-01-02T03:04:06Z".into(),
            ttl_ms: None,
            poll_interval_ms: Some(250),
        }
    }

    #[test]
    fn ttl_none_is_serialized_as_null() {
        let value = serde_json::to_value(CreateTaskResult::new(Task {
            status: TaskStatus::Working,
            info: info(),
        }))
        .unwrap();
        assert_eq!(
            value,
            json!({"resultType": "task", "status": "working", "taskId": "t-1",
                "createdAt": "2030-01-02T03:04:05Z", "lastUpdatedAt": "2030-01-02T03:04:06Z",
                "ttlMs": null, "pollIntervalMs": 250})
        );
    }

    #[test]
    fn detailed_task_is_tagged_by_status() {
        let value = json!({"resultType": "complete", "status": "failed", "taskId": "t-1",
            "createdAt": "a", "lastUpdatedAt": "b", "ttlMs": 60000,
            "error": {"code": -32603, "message": "boom"}});
        let result: GetTaskResult = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(result.task.status(), TaskStatus::Failed);
        assert_eq!(result.task.info().ttl_ms, Some(60000));
        assert_eq!(serde_json::to_value(&result).unwrap(), value);
    }
}
