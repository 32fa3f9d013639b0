/* operation.h - the Device Management operations a management server or a local
 * caller asks for, as the access policy and Access Control (object 2) judge them. */
#pragma once

typedef enum lwm2m_operation {
        LWM2M_OPERATION_READ, /* Observe and Read-Composite too */
        LWM2M_OPERATION_DISCOVER,
        LWM2M_OPERATION_WRITE,
        LWM2M_OPERATION_WRITE_ATTRIBUTES,
        LWM2M_OPERATION_EXECUTE,
        LWM2M_OPERATION_CREATE,
        LWM2M_OPERATION_DELETE,
        _LWM2M_OPERATION_MAX,
} lwm2m_operation;

/* "read", "written", ...: what a refusal says the path may not be. */
static inline const char *lwm2m_operation_participle(lwm2m_operation op)
{
        static const char *const names[_LWM2M_OPERATION_MAX] = {
                [LWM2M_OPERATION_READ] = "read",
                [LWM2M_OPERATION_DISCOVER] = "discovered",
                [LWM2M_OPERATION_WRITE] = "written",
                [LWM2M_OPERATION_WRITE_ATTRIBUTES] = "given attributes",
                [LWM2M_OPERATION_EXECUTE] = "executed",
                [LWM2M_OPERATION_CREATE] = "created",
                [LWM2M_OPERATION_DELETE] = "deleted",
        };
        return (unsigned)op < _LWM2M_OPERATION_MAX ? names[op] : "used";
}
